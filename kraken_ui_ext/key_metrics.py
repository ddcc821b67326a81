"""The quality metrics scientists look at first, with how to read them (unit, which direction is better)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kraken_core.numbers import finite_number
from kraken_core.quanting.metric_names import legacy_names_of


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
            number = finite_number(doc.get(field))
            if number is not None:
                return float(number)
        return None


def _metric(name: str, label: str, unit: str = "", **kwargs: Any) -> KeyMetric:
    """A metric under AlphaKraken's name; this platform's older names and AlphaDIA's dotted column names are
    aliases (`kraken_core.quanting.metric_names`), so documents written under any of them read as one series."""
    return KeyMetric(name, label, unit, aliases=legacy_names_of(name), **kwargs)


KEY_METRICS: tuple[KeyMetric, ...] = (
    _metric("proteins", "Proteins"),
    _metric("precursors", "Precursors"),
    _metric("fwhm_rt", "FWHM RT", "s", higher_is_better=False, digits=2),
    _metric("optimization:ms1_error", "MS1 error", "ppm", higher_is_better=False, digits=2),
    _metric("optimization:ms2_error", "MS2 error", "ppm", higher_is_better=False, digits=2),
    _metric("gradient_length", "Gradient", "min", higher_is_better=None, digits=1),
)

TREND_METRICS: tuple[KeyMetric, ...] = (
    *KEY_METRICS,
    _metric("fwhm_mobility", "FWHM mobility", higher_is_better=False, digits=4),
    _metric("optimization:rt_error", "RT error", "s", higher_is_better=False, digits=2),
    _metric("optimization:mobility_error", "Mobility error", higher_is_better=False, digits=4),
    _metric("calibration:ms1_bias", "MS1 bias", "ppm", higher_is_better=None, digits=2),
    _metric("calibration:ms2_bias", "MS2 bias", "ppm", higher_is_better=None, digits=2),
    _metric("precursor_intensity_median", "Precursor intensity (median)", higher_is_better=True, digits=0),
    _metric("duration_total", "Quant duration", "min", higher_is_better=False, digits=1),
    _metric("time_elapsed", "Job time", "s", higher_is_better=False, digits=0),
)

METRICS_BY_NAME = {metric.name: metric for metric in TREND_METRICS}


