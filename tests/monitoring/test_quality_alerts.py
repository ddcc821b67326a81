"""Quality metrics outside the instrument's bounds: a warning (never paging the channel), resolved when in bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_core.record.raw_files import register_raw_file
from kraken_core.statuses import RawFileStatus


@dg.asset(key="quality_metrics", partitions_def=raw_files_partitions)
def metrics_written_by_quanting() -> None:
    """Stands in for the quanting area's asset: the metrics documents are written by the test."""


def test_low_proteins_warn_once_and_resolve(make_harness, instance, slack, mongo_db):
    harness = make_harness(production=True, instruments={
        "thermo1": {"type": "thermo", "monitoring": {"quality_bounds": {"proteins": {"min": 3000}}}}})
    rid = "20240301_PRJ1_hela.raw"
    register_raw_file(mongo_db, raw_file_id=rid, original_name=rid, collision_flag=None, instrument_id="thermo1",
                      project_id="PRJ1", status=RawFileStatus.DONE, created_at=datetime.now(UTC))
    mongo_db.metrics.insert_one({"raw_file": rid, "settings_name": "hela", "settings_version": 1, "proteins": 2100})
    instance.add_dynamic_partitions(raw_files_partitions.name, [rid])

    def quant_and_check():
        dg.materialize([metrics_written_by_quanting, harness.quality_check], partition_key=rid,
                       resources=harness.resources, instance=instance)
        harness.evaluate_check_alerts(instance)

    harness.evaluate_check_alerts(instance)
    quant_and_check()
    quant_and_check()
    [warning] = slack.texts()
    assert warning.startswith("[test] :warning: *Quality metrics out of bounds* (20240301_PRJ1_hela.raw)")
    assert "proteins = 2100, below the floor 3000" in warning and "<!channel>" not in warning

    mongo_db.metrics.update_one({"raw_file": rid}, {"$set": {"proteins": 3400}})
    quant_and_check()
    assert len(slack.texts()) == 2 and "resolved" in slack.texts()[1]
