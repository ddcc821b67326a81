"""Catch-up runs: a backlog is handed over in batches, and each raw file still reads as its own partition."""

import dagster as dg
import pytest

from kraken_assets.catch_up import catch_up_run_config, raw_file_catch_up
from kraken_assets.raw_files import raw_file_runs
from kraken_core.raw_file_backup import RawFileLocation
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_thermo
from kraken_core.watcher import FinishedAcquisition
from kraken_resources.slurm import build_slurm_resource
from kraken_sensors.instrument_watchers import run_requests_for
from tests.conftest import config_dict
from tests.support.pipeline import register, resources_for, write_config_file


def finished(count: int) -> list[FinishedAcquisition]:
    return [FinishedAcquisition(f"f{i:03d}.raw", f"f{i:03d}.raw", 1e9 - i, False, "size stable") for i in range(count)]


def test_a_few_finished_files_get_one_pipeline_run_each(make_config):
    config = make_config(catch_up={"batch_threshold": 3, "batch_size": 2})
    requests = run_requests_for(config, "thermo1", finished(3), raw_file_runs)
    assert [(r.job_name, r.partition_key, r.run_key) for r in requests] == [
        ("raw_file_pipeline", f"f{i:03d}.raw", f"f{i:03d}.raw") for i in range(3)
    ]


def test_a_backlog_is_requested_in_batches_in_order_each_file_once(make_config):
    config = make_config(catch_up={"batch_threshold": 3, "batch_size": 4}, backup={"max_parallel_copies": 2})
    items = finished(10)
    requests = run_requests_for(config, "thermo1", items, raw_file_runs)
    batches = [r.run_config["ops"]["back_up_raw_files"]["config"]["raw_file_ids"] for r in requests]
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sum(batches, []) == [item.raw_file_id for item in items]
    assert {r.job_name for r in requests} == {"raw_file_catch_up"}
    assert all(r.tags["instrument"] == "thermo1" for r in requests)
    assert len({r.run_key for r in requests}) == 3
    again = run_requests_for(config, "thermo1", items, raw_file_runs)
    assert [r.run_key for r in again] == [r.run_key for r in requests], "the same batch asked twice: one run"


def test_a_small_backlog_is_split_over_every_copy_slot(make_config):
    config = make_config(catch_up={"batch_threshold": 3, "batch_size": 50}, backup={"max_parallel_copies": 3})
    requests = run_requests_for(config, "thermo1", finished(10), raw_file_runs)
    assert [len(r.run_config["ops"]["back_up_raw_files"]["config"]["raw_file_ids"]) for r in requests] == [4, 4, 2]


@pytest.fixture
def batch_setup(mounts, tmp_path, services, mongo_db, config, instance):
    config_file = write_config_file(tmp_path / "alphakraken.yaml", config_dict(mounts))
    resources = {**resources_for(config_file, services, mongo_db.name), "slurm": build_slurm_resource(config)}
    return config, resources, instance


def run_batch(raw_file_ids: list[str], resources: dict, instance: dg.DagsterInstance,
              tags: dict | None = None) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions("raw_files", [r for r in raw_file_ids if not instance.has_dynamic_partition(
        "raw_files", r)])
    return raw_file_catch_up.execute_in_process(run_config=catch_up_run_config(raw_file_ids), resources=resources,
                                                instance=instance, raise_on_error=False, tags=tags)


def partition_materializations(instance: dg.DagsterInstance, asset: str) -> dict[str, list]:
    records = instance.fetch_materializations(dg.AssetKey(asset), limit=1000).records
    found: dict[str, list] = {}
    for record in records:
        found.setdefault(record.partition_key, []).append(record.asset_materialization)
    return found


def test_a_batch_backs_up_every_file_and_records_each_partition(batch_setup, mongo_db):
    config, resources, instance = batch_setup
    folder = config.instrument_folder("thermo1")
    for i, size in enumerate([300_000, 1_000, 0]):
        write_thermo(folder, f"20240301_PRJ1_{i}.raw", size)
    ids = register(mongo_db, config, "thermo1")
    assert len(ids) == 3

    result = run_batch(ids, resources, instance)

    assert result.success
    raw_files = partition_materializations(instance, "raw_file")
    backups = partition_materializations(instance, "raw_file_backup")
    assert set(raw_files) == set(backups) == set(ids)
    for rid in ids:
        doc = get_raw_file(mongo_db, rid)
        expected = "acquisition_failed" if doc["size"] == 0 else "done_not_quanted"  # empty: failed, still backed up
        assert doc["status"] == expected and doc["backup_status"] == "copying_done"
        assert doc["catch_up_run_id"] == result.run_id
        raw = RawFileLocation.from_doc(doc)
        backup = config.locations.backup.path / "thermo1" / doc["created_at"].strftime("%Y_%m") / rid
        assert backup.read_bytes() == (folder / raw.original_name).read_bytes()
        [materialization] = backups[rid]
        assert materialization.metadata["size_bytes"].value == doc["size"]
        assert materialization.metadata["instrument"].value == "thermo1"
        assert raw_files[rid][0].metadata["file_count"].value == 1
    checks = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("raw_file_backup"), "backup_identical"), limit=10)
    assert sorted(c.partition for c in checks) == sorted(ids)
    assert all(c.status.value == "SUCCEEDED" for c in checks)
    acquisitions = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("raw_file"), "acquisition_complete"), limit=10)
    assert {c.partition: c.status.value for c in acquisitions} == {
        rid: "FAILED" if get_raw_file(mongo_db, rid)["size"] == 0 else "SUCCEEDED" for rid in ids}


def test_one_failing_file_does_not_stop_the_batch_and_the_run_names_it(batch_setup, mongo_db):
    config, resources, instance = batch_setup
    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "20240301_PRJ1_ok.raw", 50_000)
    write_thermo(folder, "20240301_PRJ1_gone.raw", 20_000)
    write_thermo(folder, "20240301_PRJ1_ok2.raw", 60_000)
    ids = register(mongo_db, config, "thermo1")
    gone = next(r for r in ids if "gone" in r)
    (folder / "20240301_PRJ1_gone.raw").unlink()  # deleted on the instrument PC after it was registered

    result = run_batch(ids, resources, instance)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    message = failure.step_failure_data.error.message
    assert "1 raw file(s) of this catch-up batch failed" in message and gone in message
    doc = get_raw_file(mongo_db, gone)
    assert doc["status"] == "error" and "20240301_PRJ1_gone.raw" in doc["status_details"]
    backups = partition_materializations(instance, "raw_file_backup")
    assert set(backups) == set(ids) - {gone}, "the other files are backed up and recorded"
    for rid in set(ids) - {gone}:
        assert get_raw_file(mongo_db, rid)["status"] == "done_not_quanted"


def two_files_first_one_batched(batch_setup, mongo_db):
    """Two finished raw files; the first has been backed up by a catch-up run of its own."""
    config, resources, instance = batch_setup
    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "20240301_PRJ1_a.raw", 10_000)
    write_thermo(folder, "20240301_PRJ1_b.raw", 10_000)
    ids = register(mongo_db, config, "thermo1")
    first = run_batch(ids[:1], resources, instance)
    assert first.success
    return resources, instance, ids, first


def test_a_file_already_taken_by_another_run_is_not_processed_twice(batch_setup, mongo_db):
    resources, instance, ids, first = two_files_first_one_batched(batch_setup, mongo_db)

    second = run_batch(ids, resources, instance)  # a watcher that lost its cursor asks for both again

    assert second.success
    backups = partition_materializations(instance, "raw_file_backup")
    assert len(backups[ids[0]]) == 1, "taken by the first run: not backed up again"
    assert len(backups[ids[1]]) == 1
    assert get_raw_file(mongo_db, ids[0])["catch_up_run_id"] == first.run_id
    assert get_raw_file(mongo_db, ids[1])["catch_up_run_id"] == second.run_id


def test_a_re_execution_takes_back_what_its_first_attempt_left_unfinished(batch_setup, mongo_db):
    resources, instance, ids, first = two_files_first_one_batched(batch_setup, mongo_db)
    # the first attempt had also claimed the second file when its process died, before backing it up
    mongo_db.raw_file.update_one({"_id": ids[1]}, {"$set": {"catch_up_run_id": first.run_id,
                                                            "status": "checksumming"}})
    other = run_batch(ids, resources, instance)
    assert other.success
    assert get_raw_file(mongo_db, ids[1]).get("backup_status") is None, "another batch leaves it alone"
    skipped = [e.user_message for e in instance.all_logs(other.run_id) if "skipped, already taken by" in e.user_message]
    assert any(ids[1] in m and first.run_id in m and "raw_file_pipeline" in m for m in skipped)

    again = run_batch(ids, resources, instance, tags={"dagster/root_run_id": first.run_id})

    assert again.success
    backups = partition_materializations(instance, "raw_file_backup")
    assert len(backups[ids[0]]) == 1, "finished by the first attempt: not backed up again"
    assert len(backups[ids[1]]) == 1
    assert get_raw_file(mongo_db, ids[1])["backup_status"] == "copying_done"
