"""Re-quantification on the real test cluster and record: one raw file, and a selection by project, date range
and status, read from the backup pool after the instrument file was moved or purged."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from kraken_assets.quanting import alphadia_output
from kraken_assets.requantify import requantify_raw_files
from kraken_core.quanting.requantify import Selection, SelectionError, backup_copy
from kraken_core.record.settings_catalog import assign_settings, create_project, create_settings_version
from kraken_sensors.slurm_jobs import build_slurm_job_sensor
from tests.support.quanting import quanting_resources, SOFTWARE, place_backed_up_raw_file, write_settings_files

VENDORS = {"thermo1": "thermo", "bruker1": "bruker", "sciex1": "sciex"}


@pytest.fixture
def setup(quant_config, cluster_layout, services, mongo_db, tmp_path):
    config = quant_config()
    resources = quanting_resources(config, services, mongo_db.name, tmp_path / "alphakraken.yaml")
    for project in ("PRJ1", "PRJ2"):
        create_project(mongo_db, {"project_id": project, "name": project}, "test")
    write_settings_files(cluster_layout, "fast")
    instance = dg.DagsterInstance.ephemeral()
    yield config, resources, instance
    instance.dispose()


def _assign_fast(db) -> None:
    """Settings assigned after the files ended `done_not_quanted`."""
    settings = create_settings_version(db, {
        "name": "fast", "software": SOFTWARE, "config_file_name": "config.yaml", "fasta_file_name": "human.fasta",
        "slurm_cpus_per_task": "1", "num_threads": "1", "slurm_mem": "300M", "slurm_time": "00:05:00"}, "test")
    assign_settings(db, {"project_id": "PRJ1", "settings_id": settings["_id"]}, VENDORS, "test")


def _not_quanted(config, db, instance, name, day, *, project="PRJ1", instrument_file_status="purged", **fields):
    doc = place_backed_up_raw_file(
        config, name, project_id=project, created_at=datetime(2026, 11, day, 12, tzinfo=UTC),
        status="done_not_quanted", status_details="no active settings assigned to project", backup_status="copying_done",
        instrument_file_status=instrument_file_status, **fields)
    db.raw_file.insert_one(doc)
    instance.add_dynamic_partitions("raw_files", [name])
    return doc


def _requantify(resources, instance, **config):
    return requantify_raw_files.execute_in_process(
        run_config={"ops": {"requantify": {"config": config}}}, resources=resources, instance=instance,
        raise_on_error=False)


def _follow(resources, instance, config, wanted: set[str], timeout=90) -> None:
    sensor = build_slurm_job_sensor(config, job=None)
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and seen != wanted:
        with dg.build_sensor_context(resources=resources, instance=instance) as context:
            result = sensor(context)
        if isinstance(result, dg.SensorResult):
            seen |= {r.partition_key for r in result.run_requests}
        time.sleep(1)
    assert seen == wanted, f"jobs of {wanted - seen} did not end"


def test_one_purged_raw_file_is_quantified_again_from_the_backup(setup, mongo_db, cluster_layout):
    config, resources, instance = setup
    doc = _not_quanted(config, mongo_db, instance, "20261102_PRJ1_single.raw", 2)
    _assign_fast(mongo_db)
    result = _requantify(resources, instance, raw_file_ids=[doc["_id"]], requested_by="operator-a")
    assert result.success, result.all_events
    [job] = mongo_db.raw_file.find_one({"_id": doc["_id"]})["quanting_jobs"]
    _follow(resources, instance, config, {doc["_id"]})
    log = Path(job["log_path"]).read_text()
    assert f"raw file:    {cluster_layout.cluster('backup')}/thermo1/2026_11/{doc['_id']}" in log
    assert "instruments" not in log
    outcome = dg.materialize([alphadia_output], partition_key=doc["_id"], resources=resources, instance=instance)
    assert outcome.success
    final = mongo_db.raw_file.find_one({"_id": doc["_id"]})
    [job] = final["quanting_jobs"]
    assert (job["state"], job["outcome"]) == ("COMPLETED", "done"), job
    assert final["instrument_file_status"] == "purged"
    [entry] = final["requantifications"]
    assert entry["requested_by"] == "operator-a" and entry["previous_status"] == "done_not_quanted"
    materialization = instance.get_latest_materialization_event(dg.AssetKey("alphadia_job"))
    assert materialization.asset_materialization.partition == doc["_id"]


def test_selection_by_project_dates_and_status(setup, mongo_db):
    config, resources, instance = setup
    chosen = [_not_quanted(config, mongo_db, instance, "20261103_PRJ1_sel1.raw", 3, instrument_file_status="moved"),
              _not_quanted(config, mongo_db, instance, "20261104_PRJ1_sel2.raw", 4)]
    outside = [_not_quanted(config, mongo_db, instance, "20261105_PRJ1_later.raw", 5),
               _not_quanted(config, mongo_db, instance, "20261103_PRJ2_other.raw", 3, project="PRJ2"),
               _not_quanted(config, mongo_db, instance, "20261103_PRJ1_done.raw", 3)]
    mongo_db.raw_file.update_one({"_id": outside[2]["_id"]}, {"$set": {"status": "done"}})
    lost = _not_quanted(config, mongo_db, instance, "20261103_PRJ1_lost.raw", 3)
    backup_copy(config, lost).unlink()
    _assign_fast(mongo_db)
    selection = {"project_id": "PRJ1", "created_from": "2026-11-03", "created_to": "2026-11-04",
                 "statuses": ["done_not_quanted"]}

    dry = _requantify(resources, instance, dry_run=True, **selection)
    assert dry.success
    assert sorted(dry.output_for_node("requantify")["submitted"]) == sorted(d["_id"] for d in chosen)
    assert mongo_db.raw_file.count_documents({"status": "done_not_quanted"}) == 5  # nothing changed

    result = _requantify(resources, instance, **selection)
    assert result.success, result.all_events
    summary = result.output_for_node("requantify")
    assert sorted(summary["submitted"]) == sorted(d["_id"] for d in chosen)
    assert summary["skipped"] == [f"{lost['_id']}: its backup copy {backup_copy(config, lost)} is missing"]
    _follow(resources, instance, config, {d["_id"] for d in chosen})
    for doc in outside:
        assert "quanting_jobs" not in mongo_db.raw_file.find_one({"_id": doc["_id"]})
    assert mongo_db.raw_file.find_one({"_id": lost["_id"]})["status"] == "done_not_quanted"


def test_running_files_are_left_alone_and_bad_selections_refused(setup, mongo_db):
    config, resources, instance = setup
    doc = _not_quanted(config, mongo_db, instance, "20261106_PRJ1_busy.raw", 6)
    mongo_db.raw_file.update_one({"_id": doc["_id"]}, {"$set": {"status": "quanting"}})
    result = _requantify(resources, instance, raw_file_ids=[doc["_id"]])
    assert result.success and result.output_for_node("requantify")["submitted"] == []
    assert mongo_db.raw_file.find_one({"_id": doc["_id"]})["status"] == "quanting"
    for bad in ({}, {"statuses": ["quanting"]}, {"created_from": "2026-11-05", "created_to": "2026-11-01"},
                {"created_from": "yesterday"}):
        assert not _requantify(resources, instance, **bad).success, bad


def test_selection_query_is_what_the_operator_asked():
    query = Selection.build(instrument_id="tims1", created_to="2026-11-30").query()
    assert query["instrument_id"] == "tims1"
    assert query["created_at"] == {"$lt": datetime(2026, 12, 1, tzinfo=UTC)}
    assert "quanting" not in query["status"]["$in"]
    with pytest.raises(SelectionError, match="empty selection"):
        Selection.build()
