"""The quality metrics scientists look at first, with how to read them (unit, which direction is better)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyMetric:
    name: str  # field name in the `metrics` collection (AlphaKraken's names)
    label: str
    unit: str = ""
    higher_is_better: bool | None = True  # None: neither direction is better (e.g. gradient length)
    digits: int = 0


KEY_METRICS: tuple[KeyMetric, ...] = (
    KeyMetric("proteins", "Proteins"),
    KeyMetric("precursors", "Precursors"),
    KeyMetric("fwhm_rt", "FWHM RT", "s", higher_is_better=False, digits=2),
    KeyMetric("ms1_error", "MS1 error", "ppm", higher_is_better=False, digits=2),
    KeyMetric("ms2_error", "MS2 error", "ppm", higher_is_better=False, digits=2),
    KeyMetric("gradient_length", "Gradient", "min", higher_is_better=None, digits=1),
)

TREND_METRICS: tuple[KeyMetric, ...] = (
    *KEY_METRICS,
    KeyMetric("fwhm_mobility", "FWHM mobility", higher_is_better=False, digits=4),
    KeyMetric("rt_error", "RT error", "s", higher_is_better=False, digits=2),
    KeyMetric("mobility_error", "Mobility error", higher_is_better=False, digits=4),
    KeyMetric("ms1_bias", "MS1 bias", "ppm", higher_is_better=None, digits=2),
    KeyMetric("ms2_bias", "MS2 bias", "ppm", higher_is_better=None, digits=2),
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
