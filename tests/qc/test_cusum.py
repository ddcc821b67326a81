"""Tabular CUSUM on hand-computed z-score series (k and h in SD units)."""

import pytest

from kraken_core.qc.cusum import tabular_cusum


def test_an_upward_shift_of_1_5_sd_signals_after_six_points_not_five():
    # each point adds 1.5 - 0.5 = 1.0 to C+: 5.0 after five points (not above h = 5), 6.0 after six
    assert tabular_cusum([1.5] * 5, k=0.5, h=5).side is None
    state = tabular_cusum([1.5] * 6, k=0.5, h=5)
    assert (state.upper, state.lower, state.side) == (pytest.approx(6.0), 0.0, "high")


def test_a_downward_drift_signals_low():
    # C-: 0.5, 1.5, 3.0, 5.0, 7.5 for z = -1, -1.5, -2, -2.5, -3
    state = tabular_cusum([-1, -1.5, -2, -2.5, -3], k=0.5, h=5)
    assert (state.lower, state.side) == (pytest.approx(7.5), "low")


def test_points_around_the_mean_never_accumulate():
    state = tabular_cusum([0.4, -0.4, 0.5, -0.5, 0.3] * 40, k=0.5, h=5)
    assert (state.upper, state.lower, state.side) == (0.0, 0.0, None)


def test_in_control_points_wear_a_signal_down():
    # C+ = 6.0 after the shift, then each z = -0.5 takes 1.0 off: 5.0 after one (no longer above h)
    assert tabular_cusum([1.5] * 6 + [-0.5], k=0.5, h=5).side is None


def test_k_and_h_are_the_configured_ones():
    # k = 0: every z counts in full; h = 2: 1 + 1.5 = 2.5 signals
    assert tabular_cusum([1.0, 1.5], k=0, h=2).side == "high"
    assert tabular_cusum([1.0, 1.5], k=0.5, h=2).side is None  # 0.5 + 1.0 = 1.5
