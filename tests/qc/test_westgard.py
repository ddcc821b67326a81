"""Westgard rules on hand-made z-score series (oldest first): each rule triggers on the newest point and not
one point short of it, and "exceeds" is strict."""

import pytest

from kraken_core.qc.westgard import (
    RULE_1_3S, RULE_2_2S, RULE_4_1S, RULE_10_X, RULE_R_4S, four_1s, one_3s, range_4s, ten_x, two_2s, westgard_hits,
)

ALL = (RULE_1_3S, RULE_2_2S, RULE_R_4S, RULE_4_1S, RULE_10_X)


@pytest.mark.parametrize(("z", "side"), [([0.2, 3.01], "high"), ([-3.5], "low")])
def test_1_3s_triggers_beyond_3_sd(z, side):
    hit = one_3s(z)
    assert (hit.rule, hit.points, hit.side) == (RULE_1_3S, 1, side)


@pytest.mark.parametrize("z", [[3.0], [-3.0], [4.0, 2.9], []])
def test_1_3s_does_not_trigger_at_or_within_3_sd_or_on_an_older_point(z):
    assert one_3s(z) is None


@pytest.mark.parametrize(("z", "side"), [([0, 2.1, 2.5], "high"), ([-2.01, -2.2], "low")])
def test_2_2s_triggers_on_two_in_a_row_beyond_the_same_2_sd_limit(z, side):
    hit = two_2s(z)
    assert (hit.rule, hit.points, hit.side) == (RULE_2_2S, 2, side)


@pytest.mark.parametrize("z", [[2.5, -2.5], [2.5, 1.9], [2.0, 2.5], [2.5], [2.5, 2.5, 0.0]])
def test_2_2s_does_not_trigger_on_opposite_sides_one_within_or_one_point(z):
    assert two_2s(z) is None


@pytest.mark.parametrize("z", [[2.1, -2.1], [-2.5, 2.3], [0, -3.0, 3.0]])
def test_r_4s_triggers_on_consecutive_points_beyond_opposite_2_sd_limits(z):
    hit = range_4s(z)
    assert (hit.rule, hit.points, hit.side) == (RULE_R_4S, 2, "range")


@pytest.mark.parametrize("z", [[2.1, 2.1], [2.5, -1.9], [-2.0, 2.5], [2.5, -2.5, 0.0], [3.0]])
def test_r_4s_does_not_trigger_without_both_sides_beyond_2_sd_in_the_newest_pair(z):
    # [2.5, -2.5, 0.0]: the range is between older points, not involving the newest one
    assert range_4s(z) is None


@pytest.mark.parametrize(("z", "side"), [([1.1, 1.5, 2.0, 1.01], "high"), ([0, -1.2, -1.1, -1.9, -2.5], "low")])
def test_4_1s_triggers_on_four_in_a_row_beyond_the_same_1_sd_limit(z, side):
    hit = four_1s(z)
    assert (hit.rule, hit.points, hit.side) == (RULE_4_1S, 4, side)


@pytest.mark.parametrize("z", [[1.1, 1.5, 2.0], [1.1, 1.5, 1.0, 1.2], [1.1, -1.5, 2.0, 1.2], [1.5, 1.5, 1.5, 0.5]])
def test_4_1s_does_not_trigger_on_three_one_at_the_limit_or_mixed_sides(z):
    assert four_1s(z) is None


@pytest.mark.parametrize(("z", "side"), [([-1.0] + [0.1] * 10, "high"), ([-0.2] * 12, "low")])
def test_10_x_triggers_on_ten_in_a_row_on_one_side_of_the_mean(z, side):
    hit = ten_x(z)
    assert (hit.rule, hit.points, hit.side) == (RULE_10_X, 10, side)


@pytest.mark.parametrize("z", [[0.1] * 9, [0.1] * 9 + [-0.1], [0.1] * 5 + [0.0] + [0.1] * 4])
def test_10_x_does_not_trigger_on_nine_or_a_point_on_the_mean_or_on_the_other_side(z):
    assert ten_x(z) is None


def test_only_enabled_rules_are_reported_in_a_fixed_order():
    z = [2.5, 2.5, 2.5, 3.5]  # 1-3s, 2-2s and 4-1s at once
    assert [hit.rule for hit in westgard_hits(z, ALL)] == [RULE_1_3S, RULE_2_2S, RULE_4_1S]
    assert [hit.rule for hit in westgard_hits(z, [RULE_4_1S, RULE_10_X])] == [RULE_4_1S]
    assert westgard_hits([0.5, -0.3, 1.2], ALL) == []
