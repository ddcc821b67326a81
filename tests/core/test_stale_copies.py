"""Copies a crash left half done, against the real test MongoDB: which records are stale, which temporary files
are theirs, how a recovery is recorded; and that a leftover temporary file never makes the next run fail."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from kraken_core.raw_file_backup import (
    RawFileLocation,
    backup_base_path,
    backup_raw_file,
    checksum_raw_file,
    verify_backup,
)
from kraken_core.record.copy_recoveries import find_in_flight, record_recovery, recovery_run_key
from kraken_core.run_worker import check_worker
from kraken_core.simulator import write_bruker, write_thermo
from kraken_core.stale_copies import LiveRuns, is_stale, remove_files, staged_temp_files
from kraken_core.verified_copy import temporary_path

CREATED = datetime(2024, 3, 7, 10, 0, tzinfo=UTC)


def raw_doc(raw_file_id, status, *, instrument="thermo1", age_s=600, **fields):
    return {"_id": raw_file_id, "original_name": raw_file_id, "instrument_id": instrument, "status": status,
            "created_at": CREATED, "updated_at_": datetime.now(UTC) - timedelta(seconds=age_s), **fields}


def test_in_flight_records_unchanged_for_the_recovery_time_are_found(mongo_db):
    mongo_db.raw_file.insert_many([
        raw_doc("checksumming.raw", "checksumming"),
        raw_doc("copying.raw", "copying", backup_status="copying_in_progress"),
        raw_doc("failed_acq.raw", "acquisition_failed", backup_status="copying_in_progress"),
        raw_doc("claimed.raw", "monitoring_done", catch_up_run_id="run-a"),
        raw_doc("waiting.raw", "monitoring_done"),
        raw_doc("done.raw", "done_not_quanted", backup_status="copying_done"),
        raw_doc("uploaded.raw", "done", backup_status="upload_in_progress"),
        raw_doc("recent.raw", "checksumming", age_s=5),
    ])
    mongo_db.raw_file.update_one({"_id": "recent.raw"}, {"$set": {"updated_at_": datetime.now(UTC)}})
    mongo_db.raw_file.update_one({"_id": "copying.raw"},
                                 {"$set": {"updated_at_": datetime.now(UTC) - timedelta(seconds=600)}})
    found = find_in_flight(mongo_db, datetime.now(UTC) - timedelta(seconds=60))
    assert {doc["_id"] for doc in found} == {"checksumming.raw", "copying.raw", "failed_acq.raw", "claimed.raw"}


def test_a_record_is_stale_only_when_no_live_run_can_finish_it():
    live = LiveRuns(partitions=frozenset({"running.raw"}), run_ids=frozenset({"batch-live"}))
    assert not is_stale({"_id": "running.raw"}, live)
    assert not is_stale({"_id": "in_batch.raw", "catch_up_run_id": "batch-live"}, live)
    assert is_stale({"_id": "in_dead_batch.raw", "catch_up_run_id": "batch-dead"}, live)
    assert is_stale({"_id": "orphan.raw"}, live)


def test_staged_temp_files_of_a_raw_file_are_found_and_only_its_own(config):
    thermo = config.instrument_folder("thermo1")
    write_thermo(thermo, "a.raw", 10_000)
    write_thermo(thermo, "a.raw.other.raw", 10_000)
    base = backup_base_path(config, RawFileLocation("a.raw", "a.raw", "thermo1", None, CREATED))
    base.mkdir(parents=True)
    mine = temporary_path(base / "a.raw")
    not_mine = temporary_path(base / "a.raw.other.raw")
    mine.write_bytes(b"half")
    not_mine.write_bytes(b"half")
    doc = raw_doc("a.raw", "checksumming")
    assert staged_temp_files(config, doc) == [mine]
    assert remove_files([mine, mine]) == [mine]
    assert not mine.exists() and not_mine.exists()


def test_staged_temp_files_of_a_bruker_tree_include_files_gone_from_the_instrument(config):
    bruker = config.instrument_folder("bruker1")
    write_bruker(bruker, "run.d", 20_000)
    raw = RawFileLocation("run.d", "run.d", "bruker1", None, CREATED)
    base = backup_base_path(config, raw)
    (base / "run.d" / "sub").mkdir(parents=True)
    tdf = temporary_path(base / "run.d" / "analysis.tdf")
    gone = temporary_path(base / "run.d" / "sub" / "vanished.bin")
    tdf.write_bytes(b"x")
    gone.write_bytes(b"y")
    (base / "run.d" / "kept.bin").write_bytes(b"z")  # a finished backup file is never touched
    assert staged_temp_files(config, raw_doc("run.d", "copying", instrument="bruker1")) == sorted([tdf, gone])


def test_a_recovery_is_recorded_once_and_each_gets_a_new_run_key(mongo_db, tmp_path):
    mongo_db.raw_file.insert_one(raw_doc("x.raw", "copying", backup_status="copying_in_progress"))
    doc = mongo_db.raw_file.find_one({"_id": "x.raw"})
    key = recovery_run_key(doc)
    assert key == "recover:x.raw:1"
    removed = [tmp_path / ".x.raw.kraken-tmp"]
    assert record_recovery(mongo_db, doc, details="interrupted", run_key=key, dead_runs=["r1"], removed=removed)
    assert not record_recovery(mongo_db, doc, details="again", run_key=key, dead_runs=["r1"], removed=removed)
    after = mongo_db.raw_file.find_one({"_id": "x.raw"})
    assert after["status"] == "copying" and after["status_details"] == "interrupted"
    [entry] = after["copy_recoveries"]
    assert entry["dead_runs"] == ["r1"] and entry["removed_temp_files"] == [str(removed[0])]
    assert entry["status"] == "copying" and entry["backup_status"] == "copying_in_progress"
    assert recovery_run_key(after) == "recover:x.raw:2"


def test_a_leftover_partial_temp_file_never_makes_the_next_run_fail(config):
    thermo = config.instrument_folder("thermo1")
    write_thermo(thermo, "left.raw", 300_000, seed=7)
    raw = RawFileLocation("left.raw", "left.raw", "thermo1", None, CREATED)
    tmp = temporary_path(backup_base_path(config, raw) / "left.raw")
    tmp.parent.mkdir(parents=True)
    for stage in (True, False):  # the next run stages again, or (backup pool away at checksum time) copies later
        tmp.write_bytes(os.urandom(1000))  # what a killed copy left
        info, _ = checksum_raw_file(config, raw, stage=stage)
        backup_raw_file(config, raw, info, overwrite=False)
        assert verify_backup(config, raw, info) == []
        assert not tmp.exists()


def test_a_worker_is_alive_until_its_process_is_gone_or_its_pid_reused():
    assert check_worker(os.getpid(), time.time()).alive
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    recorded = time.time()
    assert check_worker(child.pid, recorded).alive
    child.kill()
    time.sleep(0.2)
    zombie = check_worker(child.pid, recorded)  # killed, not yet reaped by its parent
    assert not zombie.alive and "exited" in zombie.reason
    child.wait()
    gone = check_worker(child.pid, recorded)
    assert not gone.alive and "no process" in gone.reason
    reused = check_worker(os.getpid(), recorded_at=time.time() - 10 * 365 * 86400)
    assert not reused.alive and "started after" in reused.reason
