"""AlphaKraken's pump-pressure rule on its own: a rise over the last 5 comparable samples, or 480 bar and more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kraken_core.config.monitoring import PumpPressureRule
from kraken_core.monitoring.pump_pressure import PressureSample, pump_pressure_verdict

RULE = PumpPressureRule()
START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def series(*bars: float, gradient: float | None = 44.0, first: int = 0) -> list[PressureSample]:
    """Samples one hour apart, oldest first."""
    return [PressureSample(f"s{first + i:02d}.raw", START + timedelta(hours=first + i), bar, gradient)
            for i, bar in enumerate(bars)]


def test_a_rise_of_more_than_20_bar_over_5_samples_fails_and_names_both_files():
    verdict = pump_pressure_verdict("tims1", series(400, 402, 405, 410, 415, 421), RULE)
    assert not verdict.passed and verdict.subject == "tims1"
    assert "rose by 21.0 bar over the last 5 samples (limit 20 bar)" in verdict.description
    assert "from 400.0 bar in s00.raw" in verdict.description and "to 421.0 bar in s05.raw" in verdict.description
    assert verdict.metadata["rise_bar"] == 21.0 and verdict.metadata["series_bar"] == [400, 402, 405, 410, 415, 421]


def test_exactly_20_bar_and_a_fall_pass():
    assert pump_pressure_verdict("tims1", series(400, 405, 410, 415, 420, 420), RULE).passed
    assert pump_pressure_verdict("tims1", series(440, 430, 420, 410, 405, 400), RULE).passed


def test_only_the_newest_samples_count_so_it_resolves_when_pressure_is_back():
    rising = series(400, 401, 402, 403, 404, 430)
    assert not pump_pressure_verdict("tims1", rising, RULE).passed
    back = rising + series(401, first=6)
    assert pump_pressure_verdict("tims1", back, RULE).passed


def test_samples_of_another_gradient_are_not_compared():
    short_method = series(300, 300, 300, 300, 300, gradient=21.0)
    long_method = series(400, first=5, gradient=44.0)
    verdict = pump_pressure_verdict("tims1", short_method + long_method, RULE)
    assert verdict.passed and "fewer than 6 comparable samples" in verdict.description
    within_ten_percent = series(380, 380, 380, 380, 380, gradient=42.0) + series(405, first=5, gradient=44.0)
    assert not pump_pressure_verdict("tims1", within_ten_percent, RULE).passed


def test_samples_without_a_gradient_length_are_compared_with_each_other():
    assert not pump_pressure_verdict("tims1", series(400, 400, 400, 400, 400, 425, gradient=None), RULE).passed


def test_480_bar_or_more_fails_on_its_own():
    verdict = pump_pressure_verdict("tims1", series(470, 485), RULE)
    assert not verdict.passed
    assert "485.0 bar in s01.raw" in verdict.description and "at or above 480 bar" in verdict.description
    assert pump_pressure_verdict("tims1", series(470, 479.9), RULE).passed


def test_implausible_readings_and_no_readings():
    misread = pump_pressure_verdict("tims1", series(400, 400, 400, 400, 400, 1450), RULE)
    assert misread.passed and misread.metadata["newest_bar"] == 400
    assert misread.metadata["samples"] == 5
    nothing = pump_pressure_verdict("tims1", [], RULE)
    assert nothing.passed and "no pump pressure in the MSQC metrics of the last 24 h" in nothing.description
    assert pump_pressure_verdict("tims1", series(float("nan"), float("inf")), RULE).metadata["samples"] == 0


def test_the_rule_is_configurable():
    strict = PumpPressureRule(rise_bar=5, window_samples=2, max_bar=300)
    assert not pump_pressure_verdict("tims1", series(200, 203, 206), strict).passed
    assert not pump_pressure_verdict("tims1", series(310), strict).passed
