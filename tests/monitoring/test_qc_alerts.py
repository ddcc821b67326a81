"""QC series on the real test MongoDB: a HeLa file beyond 3 SD of its series' baseline fails its partition's
`qc_series_in_control` check with the rule and the values, one alert reaches the business channel (the Slack
stand-in), the next file in control resolves it; a column change starts a new baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_core.record.annotations import add_annotation
from kraken_core.record.raw_files import register_raw_file
from kraken_core.statuses import RawFileStatus

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
QC = {"series": [{
    "name": "hela", "raw_file_pattern": "(?i)_hela_", "instruments": ["thermo1"], "settings_name": "hela_std",
    "metrics": ["precursors", "proteins"], "rules": ["1-3s", "2-2s", "R-4s", "4-1s", "10-x", "cusum"],
    "baseline": {"points": 5, "min_points": 5},
}]}


@dg.asset(key="quality_metrics", partitions_def=raw_files_partitions)
def metrics_written_by_quanting() -> None:
    """Stands in for the quanting area's asset: the metrics documents are written by the test."""


class QcFiles:
    """Raw files of thermo1, one an hour, each with a metrics document; judged as quanting would have them."""

    def __init__(self, db, instance, harness):
        self.db, self.instance, self.harness, self.count = db, instance, harness, 0
        self.check = next(a for a in harness.monitoring.assets
                          if dg.AssetCheckKey(dg.AssetKey("quality_metrics"), "qc_series_in_control") in a.check_keys)

    def acquire(self, precursors: float, kind: str = "HeLa", settings: str = "hela_std") -> str:
        rid = f"20260302_thermo1_{kind}_{self.count:02d}.raw"
        register_raw_file(self.db, raw_file_id=rid, original_name=rid, collision_flag=None, instrument_id="thermo1",
                          project_id="PRJ1", status=RawFileStatus.DONE, created_at=self.at(self.count))
        proteins = 6000 + 10 * (self.count % 2)  # in control throughout
        self.db.metrics.insert_one({"raw_file": rid, "type": "alphadia", "settings_name": settings,
                                    "settings_version": 1, "precursors": precursors, "proteins": proteins,
                                    "created_at_": datetime.now(UTC)})
        self.count += 1
        return rid

    def at(self, index: int) -> datetime:
        return START + timedelta(hours=index)

    def judge(self, rid: str) -> dg.AssetCheckEvaluation:
        self.instance.add_dynamic_partitions(raw_files_partitions.name, [rid])
        result = dg.materialize([metrics_written_by_quanting, self.check], partition_key=rid,
                                resources=self.harness.resources, instance=self.instance)
        self.harness.evaluate_check_alerts(self.instance)
        [evaluation] = result.get_asset_check_evaluations()
        return evaluation


def test_a_1_3s_violation_fails_the_check_alerts_the_business_channel_and_resolves(make_harness, instance, slack,
                                                                                   mongo_db):
    harness = make_harness(qc=QC, companion_base_url="http://companion.example:8050",
                           monitoring={"business_slack_channel": "#lab-qc"})
    files = QcFiles(mongo_db, instance, harness)
    harness.evaluate_check_alerts(instance)  # the sensor's first tick: history is not replayed
    baseline = [files.acquire(v) for v in (49000, 49000, 50000, 51000, 51000)]  # mean 50,000, SD 1,000
    files.acquire(20000, kind="blank")  # not a HeLa file: not in the series
    files.acquire(20000, settings="other_settings")  # a HeLa file of other settings: not in this series
    assert files.judge(baseline[-1]).passed  # part of the baseline
    assert slack.texts() == []

    low = files.acquire(46500)  # 3.5 SD below the mean
    failed = files.judge(low)
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert "1-3s (beyond 3 SD): 46,500 (-3.50 SD) in 20260302_thermo1_HeLa_07.raw" in failed.description
    assert "baseline mean 50,000, SD 1,000 from 5 files" in failed.description
    [violation] = failed.metadata["violations"].value
    assert (violation["metric"], violation["rule"], violation["values"]) == ("precursors", "1-3s", [46500])

    [alert] = slack.channel_texts("#lab-qc")
    assert alert.startswith("[test] :red_circle: *QC series out of control* (QC hela on thermo1)")
    assert "1-3s" in alert and "46,500 (-3.50 SD)" in alert
    assert "checkDetail=qc_series_in_control" in alert
    assert "http://companion.example:8050/raw_files/20260302_thermo1_HeLa_07.raw" in alert

    back = files.judge(files.acquire(50300))
    assert back.passed and "precursors 50,300 (+0.30 SD) in control" in back.description
    assert len(slack.texts()) == 2
    assert "QC series out of control* (QC hela on thermo1) resolved" in slack.channel_texts("#lab-qc")[1]


def test_a_column_change_starts_a_new_baseline(make_harness, instance, slack, mongo_db):
    harness = make_harness(qc=QC)
    files = QcFiles(mongo_db, instance, harness)
    for value in (49000, 49000, 50000, 51000, 51000, 50500):
        files.acquire(value)
    # a new column: the same files now give about 60,000 precursors
    add_annotation(mongo_db, instrument_id="thermo1", kind="column_change", occurred_at=files.at(5) +
                   timedelta(minutes=30), text="new 25 cm column")
    after = [files.acquire(v) for v in (59000, 59000, 60000, 61000, 61000)]
    in_new_baseline = files.judge(after[2])
    assert in_new_baseline.passed and "part of the baseline (5 files)" in in_new_baseline.description

    judged = files.judge(files.acquire(60500))
    assert judged.passed, judged.description  # against the old baseline this would be 10.5 SD above the mean
    assert "precursors 60,500 (+0.50 SD) in control" in judged.description
    # a file of before the change is still judged against the old baseline
    assert "+0.50 SD" in files.judge("20260302_thermo1_HeLa_05.raw").description
