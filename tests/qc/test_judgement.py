"""A QC series judged file by file: the baseline (mean 100, SD 10 from 90, 90, 100, 110, 110), rules across the
baseline's last files, CUSUM from the first file after the baseline, and baselines by dates or reset."""

from datetime import UTC, datetime, timedelta

import pytest

from kraken_core.config.qc import QcSeries
from kraken_core.qc.baseline import QcPoint, segment_of
from kraken_core.qc.judgement import ERROR, WARN, judge_point

START = datetime(2026, 3, 1, tzinfo=UTC)
BASELINE = [90, 90, 100, 110, 110]


def series(rules=("1-3s", "2-2s", "R-4s", "4-1s", "10-x"), cusum=None, **baseline) -> QcSeries:
    return QcSeries(name="hela", raw_file_pattern="hela", metrics=["precursors"], rules=list(rules),
                    baseline={"points": 5, "min_points": 5, **baseline}, cusum=cusum or {})


def points(*values, start=START) -> list[QcPoint]:
    return [QcPoint(f"f{i:02d}_hela.raw", start + timedelta(hours=i), {"precursors": v} if v is not None else {})
            for i, v in enumerate(values)]


def judge(qc: QcSeries, values, reset_at=None):
    [judgement] = judge_point(qc, segment_of(qc.baseline, reset_at), points(*values))
    return judgement


def rules_of(judgement) -> list[str]:
    return [v.rule for v in judgement.violations]


def test_baseline_mean_and_sd_and_an_in_control_file():
    judgement = judge(series(), [*BASELINE, 105])
    assert judgement.state == "in_control" and judgement.severity is None
    assert (judgement.baseline.mean, judgement.baseline.sd, judgement.baseline.n) == (100, 10, 5)
    assert judgement.z == pytest.approx(0.5)


def test_files_of_the_baseline_are_not_judged():
    judgement = judge(series(), [90, 90, 100, 110, 500])
    assert judgement.state == "baseline" and judgement.violations == ()


def test_1_3s_is_an_error_naming_the_file_and_its_value():
    judgement = judge(series(), [*BASELINE, 131])
    assert rules_of(judgement) == ["1-3s"] and judgement.severity == ERROR
    [violation] = judgement.violations
    assert (violation.raw_file_ids, violation.values, violation.z_scores) == (("f05_hela.raw",), (131,),
                                                                              (pytest.approx(3.1),))
    assert "1-3s (beyond 3 SD): 131 (+3.10 SD) in f05_hela.raw" in judgement.describe()
    assert "baseline mean 100, SD 10 from 5 files" in judgement.describe()
    assert judge(series(), [*BASELINE, 130]).state == "in_control"  # exactly 3 SD does not exceed


def test_2_2s_warns_on_two_files_beyond_2_sd_and_not_on_one():
    assert rules_of(judge(series(), [*BASELINE, 121])) == []
    judgement = judge(series(), [*BASELINE, 121, 122])
    assert rules_of(judgement) == ["2-2s"] and judgement.severity == WARN
    assert judgement.violations[0].raw_file_ids == ("f05_hela.raw", "f06_hela.raw")


def test_r_4s_is_an_error_on_consecutive_files_beyond_opposite_limits():
    assert rules_of(judge(series(), [*BASELINE, 121, 78])) == ["R-4s"]
    assert judge(series(), [*BASELINE, 121, 78]).severity == ERROR
    assert rules_of(judge(series(), [*BASELINE, 121, 81])) == []


def test_4_1s_counts_four_files_after_the_baseline_when_its_last_file_is_at_1_sd():
    # the baseline's last file is 110: exactly +1 SD, so it does not count
    assert rules_of(judge(series(), [*BASELINE, 111, 112, 113])) == []
    assert rules_of(judge(series(), [*BASELINE, 111, 112, 113, 114])) == ["4-1s"]


def test_10_x_reaches_back_into_the_baseline():
    # the baseline ends 110, 110 (above the mean): eight more files above the mean make ten in a row
    assert rules_of(judge(series(), [*BASELINE, *[105] * 7])) == []
    judgement = judge(series(), [*BASELINE, *[105] * 8])
    assert rules_of(judgement) == ["10-x"] and judgement.severity == WARN
    assert judgement.violations[0].raw_file_ids[0] == "f03_hela.raw"


def test_cusum_starts_after_the_baseline_and_warns_on_a_drift():
    drift = series(rules=["cusum"], cusum={"k": 0.5, "h": 5})
    assert rules_of(judge(drift, [*BASELINE, *[115] * 5])) == []  # C+ = 5.0, not above h
    judgement = judge(drift, [*BASELINE, *[115] * 6])
    assert rules_of(judgement) == ["cusum"] and judgement.severity == WARN
    assert judgement.cusum.upper == pytest.approx(6.0)
    assert "CUSUM upward drift, C+ 6.00 above h 5 over 6 files since the baseline" in judgement.describe()


def test_only_the_configured_rules_run():
    assert rules_of(judge(series(rules=["2-2s"]), [*BASELINE, 140])) == []


def test_a_missing_metric_a_small_or_flat_baseline_is_not_judged_and_says_why():
    assert "missing" in judge(series(), [*BASELINE, None]).note
    small = judge(series(), [90, None, 100, None, 110, 150])
    assert small.state == "not_judged" and "the baseline has 3 values, at least 5 are needed" in small.note
    flat = judge(series(), [100] * 5 + [150])
    assert flat.state == "not_judged" and "SD 0" in flat.note


def test_a_dated_baseline_takes_the_files_between_its_dates():
    dated = series(start=START + timedelta(hours=2), end=START + timedelta(hours=6, minutes=30))
    values = [500, 500, *BASELINE, 131]  # the first two are before the baseline: not in its mean
    qc_points = [p for p in points(*values) if p.acquired_at >= dated.baseline.start]
    [judgement] = judge_point(dated, segment_of(dated.baseline, None), qc_points)
    assert (judgement.baseline.mean, judgement.baseline.n, rules_of(judgement)) == (100, 5, ["1-3s"])


def test_a_reset_after_the_configured_start_starts_a_new_baseline_of_the_first_files_after_it():
    qc = series(start=START)
    reset_at = START + timedelta(days=1)
    segment = segment_of(qc.baseline, reset_at)
    assert (segment.start, segment.end) == (reset_at, None)
    after_reset = points(200, 200, 210, 220, 220, 241, start=reset_at + timedelta(minutes=5))
    [judgement] = judge_point(qc, segment, after_reset)
    assert (judgement.baseline.mean, rules_of(judgement)) == (210, ["1-3s"])
    # a reset before the configured start changes nothing
    assert segment_of(qc.baseline, START - timedelta(days=1)).start == START
