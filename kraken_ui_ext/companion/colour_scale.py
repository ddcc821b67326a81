"""Per-column colour scales for metric cells: red (worse) to green (better) across the shown values."""

from __future__ import annotations

from collections.abc import Iterable

from kraken_ui_ext.key_metrics import KeyMetric

_WORSE, _MIDDLE, _BETTER = (248, 180, 170), (252, 240, 190), (180, 226, 180)
_NEUTRAL_LOW, _NEUTRAL_HIGH = (214, 228, 250), (160, 196, 240)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"rgb({r},{g},{bl})"


class ColumnScale:
    """Maps a value to a background colour; the 5th and 95th percentiles of the column span the scale."""

    def __init__(self, metric: KeyMetric, values: Iterable[float]):
        ordered = sorted(values)
        self.metric = metric
        if ordered:
            self.low = ordered[int(0.05 * (len(ordered) - 1))]
            self.high = ordered[int(0.95 * (len(ordered) - 1))]
        else:
            self.low = self.high = 0.0

    def colour(self, value: float | None) -> str | None:
        if value is None:
            return None
        span = self.high - self.low
        t = 0.5 if span <= 0 else min(max((value - self.low) / span, 0.0), 1.0)
        if self.metric.higher_is_better is None:
            return _mix(_NEUTRAL_LOW, _NEUTRAL_HIGH, t)
        if not self.metric.higher_is_better:
            t = 1 - t
        return _mix(_WORSE, _MIDDLE, t * 2) if t < 0.5 else _mix(_MIDDLE, _BETTER, (t - 0.5) * 2)
