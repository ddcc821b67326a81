"""Fault injection: whatever goes wrong, every raw file is still present somewhere verifiable.

Each test breaks one thing the remover relies on, runs it in production mode on a disk that needs space, and
ends by checking that each recorded file has a copy (instrument, Backup/, .deleteme or backup pool) whose size
and md5 match the record.
"""

import os

import pytest

from kraken_core.lifecycle.remover import PurgeHooks, Remover
from kraken_core.lifecycle.verification import ObjectHead, PoolBackupVerifier, S3BackupVerifier
from kraken_core.record.lifecycle_log import file_events
from kraken_core.record.raw_files import update_raw_file
from kraken_core.statuses import BackupStatus
from tests.lifecycle.conftest import PRODUCTION
from tests.support.lifecycle import (
    ETAG_PART,
    FakeObjectStore,
    backup_copy,
    flip_byte,
    instrument_copies_left,
    make_raw_file,
    unaccounted_files,
    write_bytes,
)

SIZE = 3 * ETAG_PART + 12345  # several S3 parts


def no_free_space(folder):
    return 0


def run_remover(config, db, verifier=None, instruments=("thermo1",), **kwargs):
    kwargs.setdefault("free_space", no_free_space)
    remover = Remover(config, db, PRODUCTION, verifier or PoolBackupVerifier(config), **kwargs)
    return remover.run(list(instruments))


@pytest.fixture
def one_raw_file(lifecycle_config, mongo_db):
    config = lifecycle_config()
    raw = make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": SIZE}, etag_part_size=ETAG_PART)
    return config, raw


def assert_kept(config, db, raw, report, reason):
    assert report.count("deleted") == 0
    assert report.count("refused") == 1, report.outcomes
    assert reason in report.outcomes[0].reason
    assert instrument_copies_left(config, db, raw.raw_file_id), "the instrument file must stay"
    assert db.raw_file.find_one({"_id": raw.raw_file_id})["instrument_file_status"] == "initial"
    event = db.instrument_file_log.find_one({"raw_file_id": raw.raw_file_id})
    assert event["action"] == "refused" and reason in event["reason"]
    assert unaccounted_files(config, db, raw.raw_file_id) == []


def test_backup_copy_with_one_byte_flipped(one_raw_file, mongo_db):
    config, raw = one_raw_file
    flip_byte(backup_copy(config, raw, "A.raw"), offset=SIZE // 2)
    report = run_remover(config, mongo_db)[0]
    assert_kept(config, mongo_db, raw, report, "md5")


def test_backup_copy_missing(one_raw_file, mongo_db):
    config, raw = one_raw_file
    backup_copy(config, raw, "A.raw").unlink()
    report = run_remover(config, mongo_db)[0]
    assert_kept(config, mongo_db, raw, report, "backup file is missing")


def test_backup_copy_shorter(one_raw_file, mongo_db):
    config, raw = one_raw_file
    os.truncate(backup_copy(config, raw, "A.raw"), SIZE - 1)
    report = run_remover(config, mongo_db)[0]
    assert_kept(config, mongo_db, raw, report, f"size {SIZE - 1} != recorded {SIZE}")


def test_record_without_file_info(one_raw_file, mongo_db):
    config, raw = one_raw_file
    update_raw_file(mongo_db, raw.raw_file_id, file_info={})
    report = run_remover(config, mongo_db)[0]
    assert report.count("deleted") == 0 and "no file_info" in report.outcomes[0].reason
    assert (config.instrument_folder("thermo1") / "A.raw").stat().st_size == SIZE


def test_files_without_any_record_are_never_touched(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": SIZE})
    mongo_db.raw_file.delete_one({"_id": "A.raw"})
    report = run_remover(config, mongo_db)[0]
    assert report.outcomes == []
    assert (config.instrument_folder("thermo1") / "A.raw").stat().st_size == SIZE


def test_record_with_a_different_checksum(one_raw_file, mongo_db):
    config, raw = one_raw_file
    doc = mongo_db.raw_file.find_one({"_id": raw.raw_file_id})
    size, md5, etag = doc["file_info"]["A.raw"]
    update_raw_file(mongo_db, raw.raw_file_id, file_info={"A.raw": [size, "0" * 32, etag]})
    report = run_remover(config, mongo_db)[0]
    assert report.count("deleted") == 0 and "!= recorded 000" in report.outcomes[0].reason
    assert (config.instrument_folder("thermo1") / "A.raw").stat().st_size == SIZE
    update_raw_file(mongo_db, raw.raw_file_id, file_info={"A.raw": [size, md5, etag]})
    assert unaccounted_files(config, mongo_db, raw.raw_file_id) == []


def test_instrument_file_changed_after_the_backup(one_raw_file, mongo_db):
    config, raw = one_raw_file
    flip_byte(config.instrument_folder("thermo1") / "A.raw", offset=7)
    report = run_remover(config, mongo_db)[0]
    assert_kept(config, mongo_db, raw, report, "instrument file")


def test_instrument_file_grew_after_the_backup(one_raw_file, mongo_db):
    config, raw = one_raw_file
    with open(config.instrument_folder("thermo1") / "A.raw", "ab") as handle:
        handle.write(b"more scans")
    report = run_remover(config, mongo_db)[0]
    assert_kept(config, mongo_db, raw, report, "the record says")


def _s3_done(db, raw):
    update_raw_file(db, raw.raw_file_id, backup_status=BackupStatus.UPLOAD_DONE)


def test_s3_verification_deletes_when_size_and_etag_match(one_raw_file, mongo_db):
    config, raw = one_raw_file
    store = FakeObjectStore.uploaded(config, mongo_db, raw)
    _s3_done(mongo_db, raw)
    report = run_remover(config, mongo_db, S3BackupVerifier(store.head_object))[0]
    assert report.count("deleted") == 1 and "ETag" in report.outcomes[0].reason
    assert not (config.instrument_folder("thermo1") / "A.raw").exists()


def test_s3_object_missing(one_raw_file, mongo_db):
    config, raw = one_raw_file
    _s3_done(mongo_db, raw)
    report = run_remover(config, mongo_db, S3BackupVerifier(FakeObjectStore({}).head_object))[0]
    assert_kept(config, mongo_db, raw, report, "S3 object is missing")


def test_s3_object_with_a_different_etag(one_raw_file, mongo_db):
    config, raw = one_raw_file
    store = FakeObjectStore.uploaded(config, mongo_db, raw)
    key = (raw.raw_file_id, "A.raw")
    store.objects[key] = ObjectHead(store.objects[key].size, '"0123456789abcdef0123456789abcdef-4"')
    _s3_done(mongo_db, raw)
    report = run_remover(config, mongo_db, S3BackupVerifier(store.head_object))[0]
    assert_kept(config, mongo_db, raw, report, "S3 ETag")


def test_s3_upload_not_done_is_not_eligible(one_raw_file, mongo_db):
    config, raw = one_raw_file
    store = FakeObjectStore.uploaded(config, mongo_db, raw)
    report = run_remover(config, mongo_db, S3BackupVerifier(store.head_object))[0]
    assert report.count("deleted") == 0 and "S3 upload not done" in report.outcomes[0].reason
    assert unaccounted_files(config, mongo_db, raw.raw_file_id) == []


def test_s3_head_failing(one_raw_file, mongo_db):
    config, raw = one_raw_file
    _s3_done(mongo_db, raw)

    def unreachable(doc, rel):
        raise ConnectionError("endpoint 127.0.0.1:1 refused the connection")

    report = run_remover(config, mongo_db, S3BackupVerifier(unreachable))[0]
    assert_kept(config, mongo_db, raw, report, "HEAD of its S3 object failed")


def test_backup_location_unmounted_shows_an_empty_folder(one_raw_file, mongo_db):
    config, raw = one_raw_file
    backup_root = config.locations.backup.path
    os.rename(backup_root, backup_root.with_name("backup_elsewhere"))
    backup_root.mkdir()  # the bare mount point
    report = run_remover(config, mongo_db)[0]
    assert_kept(config, mongo_db, raw, report, "backup file is missing")


def test_backup_location_marker_missing(lifecycle_config, make_config, mongo_db, mounts):
    config = lifecycle_config()
    data = config.model_dump(mode="json")
    data["locations"]["backup"]["mount_check"] = "marker"
    marked = type(config).model_validate(data)
    raw = make_raw_file(marked, mongo_db, "thermo1", "A.raw", {"A.raw": SIZE})
    report = run_remover(marked, mongo_db)[0]
    assert_kept(marked, mongo_db, raw, report, "marker file .alphakraken_mounted missing")


def test_free_space_probe_failing_stops_only_that_instrument(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 1000, "C.wiff.scan": 2000})

    def probe(folder):
        if folder.name == "thermo1":
            raise OSError(5, "Input/output error")
        return 0

    thermo, sciex = run_remover(config, mongo_db, instruments=("thermo1", "sciex1"), free_space=probe)

    assert thermo.error and "free-space probe failed" in thermo.error and thermo.outcomes == []
    assert thermo.failed(config.lifecycle.max_errors_per_instrument)
    assert sciex.count("deleted") == 1 and not sciex.failed(config.lifecycle.max_errors_per_instrument)
    assert (config.instrument_folder("thermo1") / "A.raw").exists()
    logged = mongo_db.instrument_file_log.find_one({"instrument_id": "thermo1", "action": "instrument_error"})
    assert "Input/output error" in logged["reason"]


def test_free_space_probe_returning_nonsense_deletes_nothing(one_raw_file, mongo_db):
    config, raw = one_raw_file
    report = run_remover(config, mongo_db, free_space=lambda folder: None)[0]
    assert report.error and "not a byte count" in report.error
    assert instrument_copies_left(config, mongo_db, raw.raw_file_id)


class Crash(Exception):
    """Stands in for the worker dying at one exact point."""


def test_crash_between_checksum_and_delete(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 1000, "C.wiff.scan": 2000})

    def crash(raw_file_id):
        raise Crash(f"worker killed after verifying {raw_file_id}")

    report = run_remover(config, mongo_db, instruments=("sciex1",), hooks=PurgeHooks(after_verify=crash))[0]
    assert report.count("deleted") == 0 and "worker killed" in report.outcomes[0].reason
    assert len(instrument_copies_left(config, mongo_db, "C.wiff")) == 2
    assert mongo_db.raw_file.find_one({"_id": "C.wiff"})["instrument_file_status"] == "initial"
    assert unaccounted_files(config, mongo_db, "C.wiff") == []

    rerun = run_remover(config, mongo_db, instruments=("sciex1",))[0]
    assert rerun.count("deleted") == 1 and rerun.freed_bytes == 3000
    assert unaccounted_files(config, mongo_db, "C.wiff") == []


def test_crash_between_two_deletes_of_one_raw_file(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "bruker1", "B.d", {"B.d/analysis.tdf_bin": 4000, "B.d/analysis.tdf": 300})

    logged_before_unlink = []

    def crash(path):
        logged_before_unlink.extend(e for e in file_events(mongo_db, "B.d") if e["action"] == "deleting")
        raise Crash(f"worker killed after deleting {path}")

    report = run_remover(config, mongo_db, instruments=("bruker1",), hooks=PurgeHooks(after_unlink=crash))[0]
    [intent] = logged_before_unlink
    folder = config.instrument_folder("bruker1")
    assert sorted(intent["paths"]) == [str(folder / "B.d/analysis.tdf"), str(folder / "B.d/analysis.tdf_bin")]
    [outcome] = report.outcomes
    assert (outcome.action, outcome.error, outcome.files, outcome.bytes) == ("deleted", True, 1, 300)
    assert outcome.reason.startswith("1 of 2 instrument files deleted (300 bytes;")
    assert "then deleting its files failed: Crash: worker killed" in outcome.reason
    assert file_events(mongo_db, "B.d")[-1]["action"] == "deleted"
    assert len(instrument_copies_left(config, mongo_db, "B.d")) == 1
    assert unaccounted_files(config, mongo_db, "B.d") == []

    rerun = run_remover(config, mongo_db, instruments=("bruker1",))[0]
    assert rerun.count("deleted") == 1
    assert not (config.instrument_folder("bruker1") / "B.d").exists()
    assert unaccounted_files(config, mongo_db, "B.d") == []


def test_a_record_that_fails_after_the_deletion_is_reported_as_a_deletion_with_an_error(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})

    def record_gone(path):
        mongo_db.raw_file.delete_one({"_id": "A.raw"})

    report = run_remover(config, mongo_db, hooks=PurgeHooks(after_unlink=record_gone))[0]
    [outcome] = report.outcomes
    assert (outcome.action, outcome.error, outcome.bytes) == ("deleted", True, 1000)
    assert "1 of 1 instrument files deleted" in outcome.reason
    assert "then setting instrument_file_status purged in its record failed" in outcome.reason
    assert not (config.instrument_folder("thermo1") / "A.raw").exists()
    assert [e["action"] for e in file_events(mongo_db, "A.raw")] == ["deleting", "deleted"]


def test_file_rewritten_between_verification_and_delete(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    path = config.instrument_folder("thermo1") / "A.raw"

    def rewrite(raw_file_id):
        write_bytes(path, 1000, seed=77)

    report = run_remover(config, mongo_db, hooks=PurgeHooks(after_verify=rewrite))[0]
    assert report.count("refused") == 1 and "changed or vanished after it was verified" in report.outcomes[0].reason
    assert path.stat().st_size == 1000 and report.count("deleted") == 0


def test_too_many_errors_stop_the_instrument_and_fail_the_run(lifecycle_config, mongo_db):
    config = lifecycle_config()
    for i in range(5):
        raw = make_raw_file(config, mongo_db, "thermo1", f"R{i}.raw", {f"R{i}.raw": 1000}, age_days=30 + i, seed=i)
        backup_copy(config, raw, f"R{i}.raw").unlink()
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 1000, "C.wiff.scan": 2000})

    thermo, sciex = run_remover(config, mongo_db, instruments=("thermo1", "sciex1"))

    limit = config.lifecycle.max_errors_per_instrument
    assert thermo.aborted and len(thermo.outcomes) == limit and thermo.failed(limit)
    assert sciex.count("deleted") == 1
    assert len(os.listdir(config.instrument_folder("thermo1"))) == 5
