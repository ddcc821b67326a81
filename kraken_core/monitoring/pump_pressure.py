"""Evosep pump pressure of an instrument, from the MSQC metrics of its recent raw files (AlphaKraken's rule).

A rising high-pressure maximum means the column, the trap or the emitter is clogging; scientists should look
before the next samples are lost. The check fails when the newest sample is more than `rise_bar` (20) above the
sample `window_samples` (5) samples before it, or is at `max_bar` (480) or more. Only samples of a comparable
gradient are compared (within 10 % of the newest sample's gradient length; samples without a gradient length
with each other), so a switch from a 44 min to a 21 min method is not a rise. Readings above 1000 bar are a known
misreading of the pump trace and are left out. It resolves when the newest samples are back within the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kraken_core.config.monitoring import PumpPressureRule
from kraken_core.monitoring.verdict import Verdict

PUMP_PRESSURE_NORMAL = "pump_pressure_normal"
IMPLAUSIBLE_BAR = 1000
GRADIENT_TOLERANCE = 0.1


@dataclass(frozen=True)
class PressureSample:
    raw_file_id: str
    acquired_at: datetime
    pressure_bar: float
    gradient_length_m: float | None = None


def _plausible(sample: PressureSample) -> bool:
    return math.isfinite(sample.pressure_bar) and 0 <= sample.pressure_bar <= IMPLAUSIBLE_BAR


def comparable(sample: PressureSample, reference: PressureSample) -> bool:
    """Same kind of gradient as the reference: within 10 % of its length, or both without a length."""
    if sample.gradient_length_m is None or reference.gradient_length_m is None:
        return sample.gradient_length_m is None and reference.gradient_length_m is None
    if reference.gradient_length_m <= 0:
        return sample.gradient_length_m == reference.gradient_length_m
    return abs(sample.gradient_length_m / reference.gradient_length_m - 1) < GRADIENT_TOLERANCE


def _at(sample: PressureSample) -> str:
    return f"{sample.pressure_bar:.1f} bar in {sample.raw_file_id} ({sample.acquired_at:%Y-%m-%d %H:%M} UTC)"


def pump_pressure_verdict(instrument_id: str, samples: list[PressureSample], rule: PumpPressureRule) -> Verdict:
    """The verdict on the samples of the lookback window (any order)."""
    usable = sorted((s for s in samples if _plausible(s)), key=lambda s: s.acquired_at, reverse=True)
    if not usable:
        return Verdict(PUMP_PRESSURE_NORMAL, instrument_id, True,
                       f"{instrument_id}: no pump pressure in the MSQC metrics of the last {rule.lookback_h:g} h",
                       {"samples": 0})
    newest = usable[0]
    series = [s for s in usable if comparable(s, newest)][: rule.window_samples + 1]
    metadata = {"newest_bar": round(newest.pressure_bar, 1), "newest_raw_file": newest.raw_file_id,
                "samples": len(usable), "series_bar": [round(s.pressure_bar, 1) for s in reversed(series)],
                "rise_limit_bar": rule.rise_bar, "max_bar": rule.max_bar}
    problems = []
    if newest.pressure_bar >= rule.max_bar:
        problems.append(f"{_at(newest)}, at or above {rule.max_bar:g} bar")
    rise_text = f"fewer than {rule.window_samples + 1} comparable samples to measure a rise"
    if len(series) > rule.window_samples:
        past = series[rule.window_samples]
        rise = newest.pressure_bar - past.pressure_bar
        metadata["rise_bar"] = round(rise, 1)
        rise_text = f"{rise:+.1f} bar over the last {rule.window_samples} samples"
        if rise > rule.rise_bar:
            problems.append(f"rose by {rise:.1f} bar over the last {rule.window_samples} samples (limit "
                            f"{rule.rise_bar:g} bar), from {_at(past)} to {_at(newest)}")
    if not problems:
        return Verdict(PUMP_PRESSURE_NORMAL, instrument_id, True,
                       f"{instrument_id}: pump pressure {newest.pressure_bar:.1f} bar in {newest.raw_file_id}, "
                       f"{rise_text}", metadata)
    return Verdict(
        PUMP_PRESSURE_NORMAL, instrument_id, False,
        f"{instrument_id}: Evosep pump pressure " + "; ".join(problems) + ". Check the column, trap and emitter "
        f"for clogging and the solvents before the next samples",
        metadata,
    )
