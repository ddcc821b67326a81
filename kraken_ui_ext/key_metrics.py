"""The quality metrics scientists look at first, with how to read them (unit, which direction is better)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyMetric:
    name: str  # the name shown and used in metadata and URLs
    label: str
    unit: str = ""
    higher_is_better: bool | None = True  # None: neither direction is better (e.g. gradient length)
    digits: int = 0
    aliases: tuple[str, ...] = ()  # other field names of the same metric in `metrics` documents

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def value(self, doc: Mapping[str, Any]) -> float | None:
        """The metric from a `metrics` document under any of its field names, as a finite float or None."""
        for field in self.fields:
            number = metric_number(doc.get(field))
            if number is not None:
                return number
        return None


# AlphaDIA's own column names (`optimization.ms1_error`, `raw.gradient_length_m`, ...) are aliases, so
# documents written with either naming read the same.
KEY_METRICS: tuple[KeyMetric, ...] = (
    KeyMetric("proteins", "Proteins"),
    KeyMetric("precursors", "Precursors"),
    KeyMetric("fwhm_rt", "FWHM RT", "s", higher_is_better=False, digits=2),
    KeyMetric("ms1_error", "MS1 error", "ppm", higher_is_better=False, digits=2, aliases=("optimization.ms1_error",)),
    KeyMetric("ms2_error", "MS2 error", "ppm", higher_is_better=False, digits=2, aliases=("optimization.ms2_error",)),
    KeyMetric("gradient_length", "Gradient", "min", higher_is_better=None, digits=1,
              aliases=("raw.gradient_length_m",)),
)

TREND_METRICS: tuple[KeyMetric, ...] = (
    *KEY_METRICS,
    KeyMetric("fwhm_mobility", "FWHM mobility", higher_is_better=False, digits=4),
    KeyMetric("rt_error", "RT error", "s", higher_is_better=False, digits=2, aliases=("optimization.rt_error",)),
    KeyMetric("mobility_error", "Mobility error", higher_is_better=False, digits=4,
              aliases=("optimization.mobility_error",)),
    KeyMetric("ms1_bias", "MS1 bias", "ppm", higher_is_better=None, digits=2,
              aliases=("calibration.ms1_median_accuracy", "calibration.ms1_bias")),
    KeyMetric("ms2_bias", "MS2 bias", "ppm", higher_is_better=None, digits=2,
              aliases=("calibration.ms2_median_accuracy", "calibration.ms2_bias")),
    KeyMetric("duration_total", "Quant duration", "min", higher_is_better=False, digits=1),
)

METRICS_BY_NAME = {metric.name: metric for metric in TREND_METRICS}


def metric_number(value: Any) -> float | None:
    """A metric value as a finite float, or None (missing, null, NaN, not a number)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
