"""Partition retirement: old final raw files leave the `raw_files` list, keep record and history, come back."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from kraken_assets.partition_retirement import (
    restore_raw_file_partitions,
    retire_raw_file_partitions,
)
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.config.partitions import PartitionsConfig
from kraken_core.partition_retirement import (
    UnknownRawFiles,
    plan_restore,
    plan_retirement,
)
from kraken_core.simulator import write_thermo
from kraken_core.watcher import InstrumentWatcher, WatcherState
from tests.conftest import config_dict
from tests.support.pipeline import (
    materialize_partition,
    resources_for,
    write_config_file,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SETTINGS = PartitionsConfig(retire_after_days=30, retire_batch_size=100)


def seed(db, rows):
    """rows: (id, status, days since the record last changed)."""
    db.raw_file.insert_many([{"_id": rid, "status": status, "updated_at_": NOW - timedelta(days=age)}
                             for rid, status, age in rows])


def test_only_final_raw_files_unchanged_long_enough_are_retired_oldest_first(mongo_db):
    seed(mongo_db, [
        ("done_old.raw", "done", 90), ("not_quanted_old.raw", "done_not_quanted", 40),
        ("failed_old.raw", "acquisition_failed", 31), ("error_old.raw", "error", 200),
        ("done_recent.raw", "done", 10), ("quanting_old.raw", "quanting", 300),
        ("copying_old.raw", "copying", 100), ("done_unpartitioned.raw", "done", 100),
    ])
    keys = ["done_old.raw", "not_quanted_old.raw", "failed_old.raw", "error_old.raw", "done_recent.raw",
            "quanting_old.raw", "copying_old.raw", "orphan_partition.raw"]
    plan = plan_retirement(mongo_db, keys, set(), SETTINGS, NOW)
    assert plan.retire == ["error_old.raw", "done_old.raw", "not_quanted_old.raw", "failed_old.raw"]
    assert plan.eligible == 4 and plan.busy == [] and plan.not_in_record == 1


def test_open_runs_keep_their_partition_and_the_batch_size_bounds_one_run(mongo_db):
    seed(mongo_db, [(f"f{i:03d}.raw", "done", 100 + i) for i in range(250)])
    keys = [f"f{i:03d}.raw" for i in range(250)]
    plan = plan_retirement(mongo_db, keys, {"f249.raw", "f000.raw"}, SETTINGS, NOW)
    assert len(plan.retire) == 100 and plan.eligible == 250
    assert plan.busy == ["f249.raw", "f000.raw"]
    assert plan.retire[0] == "f248.raw" and "f249.raw" not in plan.retire


def test_restore_names_unknown_ids_and_changes_nothing(mongo_db):
    seed(mongo_db, [("a.raw", "done", 100), ("b.raw", "done", 100)])
    plan = plan_restore(mongo_db, ["a.raw", "b.raw", "a.raw"], {"b.raw"})
    assert plan.add == ["a.raw"] and plan.present == ["b.raw"]
    with pytest.raises(UnknownRawFiles, match="'typo.raw'.*nothing was restored"):
        plan_restore(mongo_db, ["a.raw", "typo.raw"], set())


def test_retired_partition_keeps_history_and_can_be_restored_and_rerun(mounts, tmp_path, services, mongo_db,
                                                                         config, instance):
    data = {**config_dict(mounts), "partitions": {"retire_after_days": 30}}
    resources = resources_for(write_config_file(tmp_path / "alphakraken.yaml", data), services, mongo_db.name)
    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "20240301_PRJ1_old.raw", 200_000, seed=1)
    write_thermo(folder, "20240302_PRJ1_busy.raw", 200_000, seed=2)
    write_thermo(folder, "20240303_PRJ1_new.raw", 200_000, seed=3)
    watcher = InstrumentWatcher(mongo_db, config, "thermo1")
    state = watcher.tick(WatcherState(), now=1e9).state
    finished = [f.raw_file_id for f in watcher.tick(state, now=1e9 + 3600).finished]
    assert len(finished) == 3
    for rid in finished:
        assert materialize_partition([raw_file, raw_file_backup], rid, resources, instance).success
    old, busy, new = "20240301_PRJ1_old.raw", "20240302_PRJ1_busy.raw", "20240303_PRJ1_new.raw"
    long_ago = datetime.now(UTC) - timedelta(days=60)
    mongo_db.raw_file.update_many({"_id": {"$in": [old, busy]}}, {"$set": {"updated_at_": long_ago}})
    create_run_for_test(instance, job_name="raw_file_pipeline", status=dg.DagsterRunStatus.STARTED,
                        tags={"dagster/partition": busy})

    result = retire_raw_file_partitions.execute_in_process(instance=instance, resources=resources)
    assert result.success
    assert set(instance.get_dynamic_partitions("raw_files")) == {busy, new}
    backup_key = dg.AssetKey("raw_file_backup")
    # Deleting a dynamic partition keeps its materializations, runs and materialized status in Dagster
    history = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=backup_key, asset_partitions=[old]),
                                              limit=10).records
    assert [r.partition_key for r in history] == [old]
    assert history[0].asset_materialization.metadata["size_bytes"].value == 200_000
    assert old in instance.get_materialized_partitions(backup_key)
    assert instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": old}))
    assert mongo_db.raw_file.find_one({"_id": old})["status"] == "done_not_quanted"

    bad = restore_raw_file_partitions.execute_in_process(
        instance=instance, resources=resources, raise_on_error=False,
        run_config={"ops": {"restore_partitions": {"config": {"raw_file_ids": [old, "no_such_file.raw"]}}}})
    assert not bad.success and old not in instance.get_dynamic_partitions("raw_files")

    restored = restore_raw_file_partitions.execute_in_process(
        instance=instance, resources=resources,
        run_config={"ops": {"restore_partitions": {"config": {"raw_file_ids": [old]}}}})
    assert restored.success and old in instance.get_dynamic_partitions("raw_files")
    status = instance.get_status_by_partition(backup_key, [old], dg.DynamicPartitionsDefinition(name="raw_files"))
    assert status[old] == dg.AssetPartitionStatus.MATERIALIZED
    assert materialize_partition([raw_file, raw_file_backup], old, resources, instance).success
    assert len(instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=backup_key, asset_partitions=[old]),
                                               limit=10).records) == 2
