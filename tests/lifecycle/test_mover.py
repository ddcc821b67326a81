"""The mover: finished, backed-up raw files go into the instrument's Backup/ folder, and only those."""

import os
import time

from kraken_core.lifecycle.mover import Mover
from kraken_core.record.lifecycle_log import file_events
from kraken_core.vendors import BACKUP_FOLDER_NAME
from tests.lifecycle.conftest import PRODUCTION, REPORT_ONLY
from tests.support.lifecycle import backup_copy, make_raw_file, unaccounted_files, write_bytes

MB = 1024 * 1024


def _status(db, raw_file_id):
    return db.raw_file.find_one({"_id": raw_file_id})["instrument_file_status"]


def test_moves_each_vendor_as_a_whole_and_marks_the_record(lifecycle_config, mongo_db):
    config = lifecycle_config()
    thermo = make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": MB})
    bruker = make_raw_file(config, mongo_db, "bruker1", "B.d",
                           {"B.d/analysis.tdf_bin": MB, "B.d/analysis.tdf": 1000, "B.d/m.m/method.txt": 10})
    sciex = make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 5000, "C.wiff.scan": MB})

    reports = Mover(config, mongo_db, PRODUCTION).run()

    assert [r.count("moved") for r in reports] == [1, 1, 1]
    assert (config.instrument_folder("thermo1") / BACKUP_FOLDER_NAME / "A.raw").is_file()
    assert not (config.instrument_folder("thermo1") / "A.raw").exists()
    assert (config.instrument_folder("bruker1") / BACKUP_FOLDER_NAME / "B.d" / "m.m" / "method.txt").is_file()
    assert not (config.instrument_folder("bruker1") / "B.d").exists()
    assert sorted(os.listdir(config.instrument_folder("sciex1") / BACKUP_FOLDER_NAME)) == ["C.wiff", "C.wiff.scan"]
    for raw in (thermo, bruker, sciex):
        assert _status(mongo_db, raw.raw_file_id) == "moved"
        assert unaccounted_files(config, mongo_db, raw.raw_file_id) == []
        assert [e["action"] for e in file_events(mongo_db, raw.raw_file_id)] == ["moved"]


def test_waits_for_the_delay_after_the_backup(lifecycle_config, mongo_db):
    config = lifecycle_config(file_move_delay_m=5)
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    written = os.stat(backup_copy(config, make_raw_file(config, mongo_db, "thermo1", "B.raw", {"B.raw": 10}),
                                  "B.raw")).st_mtime

    early = Mover(config, mongo_db, PRODUCTION, now=written + 4 * 60).run(["thermo1"])
    assert early[0].outcomes == []
    assert (config.instrument_folder("thermo1") / "A.raw").exists()

    later = Mover(config, mongo_db, PRODUCTION, now=written + 5 * 60 + 1).run(["thermo1"])
    assert later[0].count("moved") == 2


def test_disabled_instrument_keeps_its_files(lifecycle_config, mongo_db):
    config = lifecycle_config(file_move_delay_m=-1)
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    report = Mover(config, mongo_db, PRODUCTION).run(["thermo1"])[0]
    assert "disabled" in report.skipped
    assert (config.instrument_folder("thermo1") / "A.raw").exists()


def test_report_mode_moves_nothing_and_says_what_it_would_do(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    report = Mover(config, mongo_db, REPORT_ONLY).run(["thermo1"])[0]
    assert report.count("would_move") == 1
    assert (config.instrument_folder("thermo1") / "A.raw").exists()
    assert _status(mongo_db, "A.raw") == "initial"
    assert "reporting only" in file_events(mongo_db, "A.raw")[0]["reason"]


def test_file_without_verified_backup_is_not_moved(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000}, backup=False)
    report = Mover(config, mongo_db, PRODUCTION).run(["thermo1"])[0]
    assert report.outcomes == []
    assert (config.instrument_folder("thermo1") / "A.raw").exists()


def test_missing_backup_copy_is_refused(lifecycle_config, mongo_db):
    config = lifecycle_config()
    raw = make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    backup_copy(config, raw, "A.raw").unlink()
    report = Mover(config, mongo_db, PRODUCTION).run(["thermo1"])[0]
    assert report.count("refused") == 1 and "is missing" in report.outcomes[0].reason
    assert (config.instrument_folder("thermo1") / "A.raw").exists()


def test_new_acquisition_with_the_same_name_is_not_moved(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    write_bytes(config.instrument_folder("thermo1") / "A.raw", 2000, seed=99)
    report = Mover(config, mongo_db, PRODUCTION).run(["thermo1"])[0]
    assert report.count("refused") == 1 and "reused the name" in report.outcomes[0].reason
    assert os.path.getsize(config.instrument_folder("thermo1") / "A.raw") == 2000
    assert not (config.instrument_folder("thermo1") / BACKUP_FOLDER_NAME / "A.raw").exists()


def test_identical_copy_already_in_backup_folder_renames_the_source(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    folder = config.instrument_folder("thermo1")
    (folder / BACKUP_FOLDER_NAME).mkdir()
    (folder / BACKUP_FOLDER_NAME / "A.raw").write_bytes((folder / "A.raw").read_bytes())

    report = Mover(config, mongo_db, PRODUCTION).run(["thermo1"])[0]

    assert report.count("moved") == 1 and ".deleteme" in report.outcomes[0].reason
    assert (folder / "A.raw.deleteme").is_file() and not (folder / "A.raw").exists()
    assert _status(mongo_db, "A.raw") == "moved"


def test_different_copy_in_backup_folder_is_left_alone(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    folder = config.instrument_folder("thermo1")
    write_bytes(folder / BACKUP_FOLDER_NAME / "A.raw", 1000, seed=42)

    report = Mover(config, mongo_db, PRODUCTION).run(["thermo1"])[0]

    assert report.count("refused") == 1 and "a different" in report.outcomes[0].reason
    assert (folder / "A.raw").is_file()
    assert _status(mongo_db, "A.raw") == "initial"
    assert unaccounted_files(config, mongo_db, "A.raw") == []


def test_interrupted_move_of_a_file_set_completes_on_the_next_run(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 5000, "C.wiff.scan": 7000})
    folder = config.instrument_folder("sciex1")
    (folder / BACKUP_FOLDER_NAME).mkdir()
    os.rename(folder / "C.wiff", folder / BACKUP_FOLDER_NAME / "C.wiff")

    report = Mover(config, mongo_db, PRODUCTION, now=time.time()).run(["sciex1"])[0]

    assert report.count("moved") == 1
    assert sorted(os.listdir(folder / BACKUP_FOLDER_NAME)) == ["C.wiff", "C.wiff.scan"]
    assert _status(mongo_db, "C.wiff") == "moved"
