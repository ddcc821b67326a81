"""The remover: oldest first, only as much as needed, only with proven backups, and it says what it did."""

import os
import stat

from kraken_core.lifecycle.mover import Mover
from kraken_core.lifecycle.remover import Remover
from kraken_core.lifecycle.verification import PoolBackupVerifier
from kraken_core.record.lifecycle_log import file_events
from tests.lifecycle.conftest import PRODUCTION, REPORT_ONLY
from tests.support.lifecycle import instrument_copies_left, make_raw_file, unaccounted_files

MB = 1024 * 1024


def no_free_space(folder):
    return 0


def remover(config, db, mode=PRODUCTION, **kwargs):
    kwargs.setdefault("free_space", no_free_space)
    return Remover(config, db, mode, PoolBackupVerifier(config), **kwargs)


def test_deletes_oldest_first_and_stops_when_enough_would_be_free(lifecycle_config, mongo_db):
    config = lifecycle_config(min_free_space_gb=0.0025)  # 2.5 MB needed with nothing free
    for i, age in enumerate([10, 30, 20, 40]):
        make_raw_file(config, mongo_db, "thermo1", f"F{age}.raw", {f"F{age}.raw": MB}, age_days=age, seed=i)
    make_raw_file(config, mongo_db, "thermo1", "NEW.raw", {"NEW.raw": 3 * MB}, age_days=0.5, seed=9)

    report = remover(config, mongo_db).run(["thermo1"])[0]

    assert [o.raw_file_id for o in report.outcomes] == ["F40.raw", "F30.raw", "F20.raw"]
    assert report.freed_bytes == 3 * MB
    folder = config.instrument_folder("thermo1")
    assert sorted(os.listdir(folder)) == ["F10.raw", "NEW.raw"]
    for name in ("F40.raw", "F30.raw", "F20.raw"):
        assert mongo_db.raw_file.find_one({"_id": name})["instrument_file_status"] == "purged"
        assert unaccounted_files(config, mongo_db, name) == []
        assert file_events(mongo_db, name)[-1]["action"] == "deleted"


def test_min_file_age_accepts_fractions_of_days(lifecycle_config, mongo_db):
    config = lifecycle_config(min_file_age_days=0.25)
    make_raw_file(config, mongo_db, "thermo1", "OLD.raw", {"OLD.raw": 100}, age_days=0.3, seed=1)
    make_raw_file(config, mongo_db, "thermo1", "YOUNG.raw", {"YOUNG.raw": 100}, age_days=0.2, seed=2)
    report = remover(config, mongo_db).run(["thermo1"])[0]
    assert [o.raw_file_id for o in report.outcomes] == ["OLD.raw"]


def test_nothing_is_deleted_when_enough_space_is_free(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 100})
    report = remover(config, mongo_db, free_space=lambda folder: 10**12).run(["thermo1"])[0]
    assert report.need_bytes == 0 and report.outcomes == []
    assert (config.instrument_folder("thermo1") / "A.raw").exists()


def test_report_mode_deletes_nothing_and_records_what_it_would_delete(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 100})
    report = remover(config, mongo_db, REPORT_ONLY).run(["thermo1"])[0]
    assert report.count("would_delete") == 1 and report.freed_bytes == 100
    assert (config.instrument_folder("thermo1") / "A.raw").exists()
    assert mongo_db.raw_file.find_one({"_id": "A.raw"})["instrument_file_status"] == "initial"
    event = file_events(mongo_db, "A.raw")[-1]
    assert event["action"] == "would_delete" and event["destructive"] is False


def test_moved_files_and_deleteme_leftovers_are_deleted_from_the_instrument(lifecycle_config, mongo_db):
    config = lifecycle_config()
    folder = config.instrument_folder("thermo1")
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000}, seed=1)
    make_raw_file(config, mongo_db, "thermo1", "B.raw", {"B.raw": 1000}, seed=2)
    (folder / "Backup").mkdir()
    (folder / "Backup" / "B.raw").write_bytes((folder / "B.raw").read_bytes())
    Mover(config, mongo_db, PRODUCTION).run(["thermo1"])
    assert sorted(os.listdir(folder)) == ["B.raw.deleteme", "Backup"]

    report = remover(config, mongo_db).run(["thermo1"])[0]

    assert report.count("deleted") == 2
    assert os.listdir(folder) == ["Backup"] and os.listdir(folder / "Backup") == []


def test_bruker_folder_with_read_only_parts_is_removed_completely(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "bruker1", "B.d",
                  {"B.d/analysis.tdf_bin": 5000, "B.d/analysis.tdf": 300, "B.d/x.m/method.xml": 20})
    folder = config.instrument_folder("bruker1")
    (folder / "B.d" / "empty_sub").mkdir()
    os.chmod(folder / "B.d" / "x.m" / "method.xml", 0o444)
    os.chmod(folder / "B.d" / "x.m", stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)

    report = remover(config, mongo_db).run(["bruker1"])[0]

    assert report.count("deleted") == 1 and report.freed_bytes == 5320
    assert not (folder / "B.d").exists()
    assert unaccounted_files(config, mongo_db, "B.d") == []


def test_file_not_in_the_record_stops_the_deletion_of_its_folder(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "bruker1", "B.d", {"B.d/analysis.tdf_bin": 5000, "B.d/analysis.tdf": 300})
    (config.instrument_folder("bruker1") / "B.d" / "added_later.txt").write_text("not backed up")

    report = remover(config, mongo_db).run(["bruker1"])[0]

    assert report.count("refused") == 1 and "not in the record" in report.outcomes[0].reason
    assert len(instrument_copies_left(config, mongo_db, "B.d")) == 2
    assert (config.instrument_folder("bruker1") / "B.d" / "added_later.txt").exists()


def test_empty_folders_left_by_an_earlier_run_are_removed(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "bruker1", "B.d", {"B.d/analysis.tdf_bin": 5000, "B.d/sub/a.txt": 3})
    folder = config.instrument_folder("bruker1")
    (folder / "B.d" / "analysis.tdf_bin").unlink()
    (folder / "B.d" / "sub" / "a.txt").unlink()

    report = remover(config, mongo_db).run(["bruker1"])[0]

    assert report.count("deleted") == 1 and not (folder / "B.d").exists()
    assert mongo_db.raw_file.find_one({"_id": "B.d"})["instrument_file_status"] == "purged"


def test_partial_file_set_is_deleted_once_every_backup_is_proven(lifecycle_config, mongo_db):
    config = lifecycle_config()
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 5000, "C.wiff.scan": 7000})
    (config.instrument_folder("sciex1") / "C.wiff.scan").unlink()

    report = remover(config, mongo_db).run(["sciex1"])[0]

    assert report.count("deleted") == 1 and report.freed_bytes == 5000
    assert os.listdir(config.instrument_folder("sciex1")) == []
    assert unaccounted_files(config, mongo_db, "C.wiff") == []


def test_raw_file_without_backup_is_refused_and_the_next_oldest_is_taken(lifecycle_config, mongo_db):
    config = lifecycle_config(min_free_space_gb=0.0000005)  # 500 bytes
    make_raw_file(config, mongo_db, "thermo1", "OLDEST.raw", {"OLDEST.raw": 1000}, age_days=50, backup=False)
    make_raw_file(config, mongo_db, "thermo1", "OLD.raw", {"OLD.raw": 1000}, age_days=40)
    make_raw_file(config, mongo_db, "thermo1", "NEWER.raw", {"NEWER.raw": 1000}, age_days=30)

    report = remover(config, mongo_db).run(["thermo1"])[0]

    assert [(o.raw_file_id, o.action) for o in report.outcomes] == [("OLDEST.raw", "refused"), ("OLD.raw", "deleted")]
    assert "no verified backup" in report.outcomes[0].reason and not report.outcomes[0].error
    assert sorted(os.listdir(config.instrument_folder("thermo1"))) == ["NEWER.raw", "OLDEST.raw"]


def test_a_reused_name_lives_beside_the_first_file_and_each_is_purged_by_its_own_record(lifecycle_config, mongo_db):
    config = lifecycle_config()
    folder = config.instrument_folder("thermo1")
    first = make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000}, age_days=40, seed=1)
    Mover(config, mongo_db, PRODUCTION).run(["thermo1"])
    second = make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1500}, age_days=30, seed=2,
                           collision_flag="20240301-120000-000000-")
    Mover(config, mongo_db, PRODUCTION).run(["thermo1"])
    assert sorted(os.listdir(folder / "Backup")) == ["20240301-120000-000000-A.raw", "A.raw"]

    report = remover(config, mongo_db).run(["thermo1"])[0]

    assert [(o.raw_file_id, o.action, o.bytes) for o in report.outcomes] == [
        (first.raw_file_id, "deleted", 1000), (second.raw_file_id, "deleted", 1500)]
    assert os.listdir(folder / "Backup") == []
    for raw in (first, second):
        assert unaccounted_files(config, mongo_db, raw.raw_file_id) == []
