"""The control-chart status of a series: every file judged at once from its points gives what the check gave
when it judged the file, and the newest file's status is the check's verdict on it (test MongoDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kraken_core.config.qc import QcConfig
from kraken_core.qc.raw_file_verdict import judge_raw_file
from kraken_core.qc.baseline import QcPoint, Segment
from kraken_core.qc.series_status import baseline_among, judged_points, series_chart, series_status
from kraken_core.record.annotations import add_annotation, annotations_of, latest_reset
from kraken_core.record.qc_series import SeriesKey, series_keys, series_points

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
QC = QcConfig.model_validate({"series": [{
    "name": "hela", "raw_file_pattern": "(?i)_hela_", "instruments": ["thermo1"], "settings_name": "hela_std",
    "metrics": ["precursors", "proteins"], "rules": ["1-3s", "2-2s", "R-4s", "4-1s", "10-x", "cusum"],
    "baseline": {"points": 5, "min_points": 5}, "cusum": {"window": 10},
}]})
KEY = SeriesKey("hela", "(?i)_hela_", "thermo1", "hela_std", 1)
# a baseline of mean 50,000 and SD 1,000; one file 3.5 SD low; a run of high files (2-2s, 4-1s); then a column
# change and a new baseline around 40,000, where 40,000 is in control
PRECURSORS = [49000, 49000, 50000, 51000, 51000, 50200, 46500, 50100, 52100, 52200, 51500, 51600, 50300,
              40000, 40500, 39500, 40200, 39800, 40100]
RESET_AT = 13


def _judge_like_the_check(db) -> list:
    verdicts = []
    for i, value in enumerate(PRECURSORS):
        rid = f"20260302_thermo1_HeLa_{i:02d}.raw"
        acquired = START + timedelta(hours=i)
        if i == RESET_AT:
            add_annotation(db, instrument_id="thermo1", kind="column_change", occurred_at=acquired - timedelta(minutes=5))
        raw_file = {"_id": rid, "original_name": rid, "instrument_id": "thermo1", "created_at": acquired}
        doc = {"raw_file": rid, "settings_name": "hela_std", "settings_version": 1, "precursors": value,
               "proteins": 6000 + 10 * (i % 2)}
        verdicts.append(judge_raw_file(db, QC, raw_file, [doc]))
    return verdicts


def _summary(judgements) -> list[tuple]:
    return [(j.metric, j.state, tuple(v.rule for v in j.violations)) for j in judgements]


def test_each_file_on_the_chart_is_judged_as_the_check_judged_it(mongo_db):
    verdicts = _judge_like_the_check(mongo_db)
    assert series_keys(mongo_db, "thermo1") == [KEY] and series_keys(mongo_db, "bruker1") == []
    resets = [a["occurred_at"] for a in annotations_of(mongo_db, "thermo1")]
    judged, baselines = judged_points(QC.series[0], series_points(mongo_db, KEY, 1000), resets)

    assert [j.point.raw_file_id for j in judged] == [v.raw_file_id for v in verdicts]
    for point, verdict in zip(judged, verdicts, strict=True):
        assert _summary(point.judgements) == _summary(verdict.series[0].judgements), point.point.raw_file_id
    states = [point.judgement("precursors").state for point in judged]
    assert states[:5] == ["baseline"] * 5 and states[13:18] == ["baseline"] * 5
    assert [v.rule for v in judged[6].judgement("precursors").violations] == ["1-3s"]
    assert states[18] == "in_control"  # 40,100 against the new baseline, 10 SD below the old one

    assert [(b.stats["precursors"].mean, round(b.stats["precursors"].sd, 1)) for b in baselines] == [
        (50000, 1000), (40000, 380.8)]
    assert baselines[1].segment.reset_at == START + timedelta(hours=RESET_AT, minutes=-5)


def test_the_series_status_is_the_checks_verdict_on_its_newest_file(mongo_db):
    verdicts = _judge_like_the_check(mongo_db)
    status = series_status(mongo_db, QC, KEY)
    assert status.newest.raw_file_id == verdicts[-1].raw_file_id
    assert _summary(status.judgements) == _summary(verdicts[-1].series[0].judgements)
    assert status.state == "in_control" and status.rules == []

    rid = "20260302_thermo1_HeLa_99.raw"
    judge_raw_file(mongo_db, QC, {"_id": rid, "original_name": rid, "instrument_id": "thermo1",
                                  "created_at": START + timedelta(days=1)},
                   [{"raw_file": rid, "settings_name": "hela_std", "settings_version": 1, "precursors": 45000,
                     "proteins": 6005}])
    status = series_status(mongo_db, QC, KEY)
    assert status.state == "out_of_control" and status.rules == ["precursors 1-3s", "precursors cusum"]
    assert "45,000 (+13.13 SD) in 20260302_thermo1_HeLa_99.raw" in status.describe()


def test_a_series_no_longer_configured_or_without_files_is_not_judged(mongo_db):
    _judge_like_the_check(mongo_db)
    gone = series_status(mongo_db, QcConfig(), KEY)
    assert gone.state == "not_judged" and "no longer configured" in gone.describe()
    empty = series_status(mongo_db, QC, SeriesKey("hela", "(?i)_hela_", "bruker1", "hela_std", 1))
    assert empty.newest is None and empty.describe() == "no files in this series yet"


@pytest.mark.parametrize("shown", [3, 8])
def test_a_chart_of_the_newest_files_judges_them_as_the_check_did(mongo_db, shown):
    """Fewer files than the series has: the chart reads the CUSUM window before them and their segment's first
    files, so the first files shown (here across the column change, too) get the check's judgement."""
    verdicts = _judge_like_the_check(mongo_db)
    resets = [a["occurred_at"] for a in annotations_of(mongo_db, "thermo1")]
    judged, baselines = series_chart(mongo_db, QC.series[0], KEY, resets, "precursors", shown)
    expected = verdicts[-shown:]
    assert [j.point.raw_file_id for j in judged] == [v.raw_file_id for v in expected]
    for point, verdict in zip(judged, expected, strict=True):
        [precursors] = [j for j in verdict.series[0].judgements if j.metric == "precursors"]
        assert _summary(point.judgements) == _summary([precursors]), point.point.raw_file_id
    assert [b.stats["precursors"].mean for b in baselines][-1] == 40000


def test_the_baseline_is_taken_from_the_files_before_the_judged_one_only_when_they_hold_all_of_it():
    points = [QcPoint(f"f{i}", START + timedelta(hours=i), {"precursors": 50000.0}) for i in range(6)]
    target = points[-1]
    first_files = Segment(START, START, None)
    assert baseline_among(points, 10, first_files, 5, target) == points[:5]
    assert baseline_among(points, 6, first_files, 5, target) is None  # a full window may not reach the start
    assert baseline_among(points[:4], 10, first_files, 5, points[3]) is None  # files acquired later may join
    by_dates = Segment(START, None, START + timedelta(hours=2))
    assert baseline_among(points, 10, by_dates, 5000, target) == points[:3]
    assert baseline_among(points[:2], 10, by_dates, 5000, points[1]) is None  # the dates reach past the file
    assert baseline_among(points[:3], 10, by_dates, 5000, points[2]) == points[:3]  # ends at the judged file


def test_the_reset_in_force_is_the_newest_resetting_annotation_at_or_before_the_file(mongo_db):
    def note(kind, hours, instrument="thermo1"):
        add_annotation(mongo_db, instrument_id=instrument, kind=kind, occurred_at=START + timedelta(hours=hours))

    assert latest_reset(mongo_db, "thermo1", ["column_change"], START) is None
    note("column_change", 1)
    note("source_cleaning", 5)
    note("column_change", 10, instrument="thermo2")
    for hours in range(20, 60):  # more than one batch of annotations after the file
        note("column_change", hours)
    at = START + timedelta(hours=6)
    assert latest_reset(mongo_db, "thermo1", ["column_change"], at) == START + timedelta(hours=1)
    assert latest_reset(mongo_db, "thermo1", ["column_change", "source_cleaning"], at) == START + timedelta(hours=5)
    assert latest_reset(mongo_db, "thermo1", ["column_change"], START + timedelta(hours=20)) == START + timedelta(
        hours=20)
    assert latest_reset(mongo_db, "thermo1", [], at) is None
    assert latest_reset(mongo_db, "thermo2", ["column_change"], at) is None
