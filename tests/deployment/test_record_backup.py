"""Dumps of the MongoDB record on the test MongoDB server: a round trip restores every document identically,
slots rotate, a restore never mixes into a database that has data, and the Dagster asset writes its slot."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from bson import ObjectId

from kraken_assets.record_backup import build_record_dump_schedules, mongodb_record_dump
from kraken_core.record.dump import RestoreError, dump_record, read_manifest, restore_record
from kraken_core.record.dump_slots import dump_into_slots, hourly_slot, list_dumps, weekday_slot
from kraken_core.record.indexes import ensure_indexes
from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.statuses import BackupStatus, RawFileStatus
from kraken_resources import KrakenConfigResource, MongoResource

ROOT = Path(__file__).resolve().parents[2]


def seed_record(db, files: int = 1200) -> None:
    """A record shaped like production's: raw files through the core, metrics, settings, statuses, odd values."""
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    for i in range(files):
        rid = f"20240301_PRJ{i % 3}_sample_{i:05d}.raw"
        register_raw_file(db, raw_file_id=rid, original_name=rid, collision_flag=None, instrument_id=f"inst{i % 4}",
                          project_id=f"PRJ{i % 3}", status=RawFileStatus.QUEUED_FOR_MONITORING,
                          created_at=start + timedelta(minutes=i))
        if i % 2:
            update_raw_file(db, rid, status=RawFileStatus.DONE, backup_status=BackupStatus.COPYING_DONE, size=i * 1000,
                            file_info={rid: [i * 1000, f"{i:032x}"]})
    db.metrics.insert_many([
        {"_id": ObjectId(), "raw_file": f"20240301_PRJ0_sample_{i:05d}.raw", "proteins": 4000 + i,
         "precursors": 30000.5 + i, "created_at_": start, "nested": {"list": [1, None, "x", {"y": True}]}}
        for i in range(0, files, 3)
    ])
    db.settings.insert_one({"_id": ObjectId(), "name": "default", "version": 2, "config": {"a": [1.5, 2]}})
    db.project.insert_one({"_id": "PRJ1", "name": "Ünïcode project ✓", "description": "quotes \" and \\ backslash"})
    db.kraken_status.insert_one({"_id": "inst0", "status": "ok", "free_space_gb": 512.25, "updated_at_": start})
    ensure_indexes(db)


def snapshot(db) -> dict[str, list]:
    return {name: list(db[name].find().sort("_id", 1)) for name in sorted(db.list_collection_names())}


@pytest.fixture
def restore_target(mongo_client):
    name = f"kt_restore_{ObjectId()}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


def test_a_dump_restores_every_document_identically(mongo_db, restore_target, tmp_path):
    seed_record(mongo_db)
    before = snapshot(mongo_db)
    summary = dump_record(mongo_db, tmp_path / "dump")
    assert summary.counts == {name: len(docs) for name, docs in before.items()}
    assert sum(summary.counts.values()) > 1600

    restored = restore_record(restore_target, tmp_path / "dump")
    assert restored == summary.counts
    after = snapshot(restore_target)
    assert after == before
    assert {ix for ix in restore_target.raw_file.index_information() if ix != "_id_"}


def test_a_restore_refuses_a_database_with_documents_unless_asked_to_replace(mongo_db, restore_target, tmp_path):
    seed_record(mongo_db, files=20)
    dump_record(mongo_db, tmp_path / "dump")
    restore_target.raw_file.insert_one({"_id": "newer", "status": "done"})
    with pytest.raises(RestoreError, match="raw_file \\(1 documents\\).*--drop"):
        restore_record(restore_target, tmp_path / "dump")
    assert restore_target.raw_file.count_documents({}) == 1, "a refused restore changes nothing"
    restore_record(restore_target, tmp_path / "dump", drop=True)
    assert snapshot(restore_target) == snapshot(mongo_db)


def test_an_incomplete_dump_is_never_taken_for_a_dump(mongo_db, tmp_path):
    seed_record(mongo_db, files=5)
    dump_record(mongo_db, tmp_path / "slot")
    (tmp_path / "slot" / "manifest.json").unlink()
    with pytest.raises(RestoreError, match="manifest.json is missing"):
        read_manifest(tmp_path / "slot")
    assert list_dumps(tmp_path) == []


def test_slots_rotate_hourly_and_per_weekday(mongo_db, tmp_path):
    seed_record(mongo_db, files=10)
    monday_2am = datetime(2024, 3, 4, 2, 0).astimezone()
    _, written = dump_into_slots(mongo_db, tmp_path, monday_2am, weekday_hour=2)
    assert written == [hourly_slot(tmp_path, monday_2am), weekday_slot(tmp_path, monday_2am)]
    assert [p.relative_to(tmp_path).as_posix() for p in written] == ["hourly/02", "weekday/1-Mon"]

    mongo_db.raw_file.insert_one({"_id": "one_more.raw", "status": "done"})
    next_day_2am = monday_2am + timedelta(days=1)
    three_am = monday_2am + timedelta(hours=1)
    dump_into_slots(mongo_db, tmp_path, next_day_2am, weekday_hour=2)
    _, written = dump_into_slots(mongo_db, tmp_path, three_am, weekday_hour=2)
    assert written == [hourly_slot(tmp_path, three_am)], "only the weekday hour fills a weekday slot"
    slots = sorted(p.relative_to(tmp_path).as_posix() for p, _ in list_dumps(tmp_path))
    assert slots == ["hourly/02", "hourly/03", "weekday/1-Mon", "weekday/2-Tue"]
    # the hourly slot of 02 was overwritten by Tuesday's dump; Monday's weekday dump kept its own documents
    assert read_manifest(tmp_path / "hourly" / "02")["counts"]["raw_file"] == 11
    assert read_manifest(tmp_path / "weekday" / "1-Mon")["counts"]["raw_file"] == 10
    assert not [p for p in tmp_path.rglob(".*")], "no partial or old dump is left behind"


def test_the_command_line_dumps_lists_and_restores(mongo_db, mongo_client, services, tmp_path):
    seed_record(mongo_db, files=30)
    target = f"kt_cli_{ObjectId()}"
    env = {"PATH": "/usr/bin:/bin", "ENV": "test", "MONGO_HOST": services["MONGO_HOST"],
           "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": mongo_db.name}
    cli = [sys.executable, "-m", "kraken_core.record.backup_cli"]
    try:
        dumped = subprocess.run([*cli, "dump", str(tmp_path / "hourly" / "05")], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        assert dumped.returncode == 0, dumped.stderr
        listed = subprocess.run([*cli, "list", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True)
        assert "hourly/05" in listed.stdout and f"{mongo_db.name}" in listed.stdout
        restored = subprocess.run([*cli, "restore", str(tmp_path / "hourly" / "05"), "--database", target], cwd=ROOT,
                                  env=env, capture_output=True, text=True)
        assert restored.returncode == 0, restored.stderr
        assert snapshot(mongo_client[target]) == snapshot(mongo_db)
        again = subprocess.run([*cli, "restore", str(tmp_path / "hourly" / "05"), "--database", target], cwd=ROOT,
                               env=env, capture_output=True, text=True)
        assert again.returncode == 1 and "--drop" in again.stderr
    finally:
        mongo_client.drop_database(target)


def test_the_asset_writes_the_slot_of_its_scheduled_hour(mongo_db, services, make_config, tmp_path, monkeypatch):
    seed_record(mongo_db, files=12)
    config = make_config(record_backup={"path": str(tmp_path / "record"), "weekday_hour": 7})
    (schedule,) = build_record_dump_schedules(config)
    assert schedule.cron_schedule == "0 * * * *"
    assert build_record_dump_schedules(make_config()) == []

    monkeypatch.setattr(KrakenConfigResource, "get", lambda self: config)
    mongo = MongoResource(host=services["MONGO_HOST"], port=int(services["MONGO_PORT"]), database=mongo_db.name)
    scheduled = datetime(2024, 3, 6, 7, 0).astimezone()  # a Wednesday, at the weekday hour
    result = dg.materialize(
        [mongodb_record_dump], resources={"kraken_config": KrakenConfigResource(env="test"), "mongo": mongo},
        tags={"dagster/scheduled_execution_time": scheduled.isoformat()},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("mongodb_record_dump")
    assert materialization.metadata["documents"].value == sum(len(v) for v in snapshot(mongo_db).values())
    assert {p.relative_to(tmp_path / "record").as_posix() for p, _ in list_dumps(tmp_path / "record")} == {
        "hourly/07", "weekday/3-Wed"}
