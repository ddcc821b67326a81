"""The demo's disk cap (kraken_core/demo/disk_cap.py): over the cap, only finished simulated acquisitions with a
verified backup are deleted from the instrument folders, oldest first, never backups; the simulator pauses when
nothing more may go. The last test reads and writes the real record."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kraken_core.demo.disk_cap import (
    disk_usage, enforce_cap, mark_purged_in, record_of_in, simulated_acquisitions, why_not_deletable,
)
from kraken_core.simulator import write_bruker, write_sciex, write_thermo
from kraken_core.statuses import BackupStatus, InstrumentFileStatus, RawFileStatus

MB = 1_000_000


def finished(name: str, instrument: str, folder: Path, **fields) -> dict:
    """The record of an acquisition whose backup is verified and whose processing ended."""
    file_info = {}
    for root, _dirs, files in os.walk(folder / name if (folder / name).is_dir() else folder):
        for file in files:
            path = Path(root) / file
            rel = path.relative_to(folder).as_posix()
            if rel == name or rel.startswith(f"{name}/") or rel.startswith(name.removesuffix(".wiff") + ".wiff"):
                file_info[rel] = [path.stat().st_size, "md5"]
    doc = {"_id": name, "original_name": name, "instrument_id": instrument, "status": str(RawFileStatus.DONE),
           "backup_status": str(BackupStatus.COPYING_DONE), "instrument_file_status": "initial",
           "file_info": file_info}
    return {**doc, **fields}


@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "run"
    for instrument in ("astral1", "tims1", "zeno1"):
        (folder / "mounts" / "instruments" / instrument).mkdir(parents=True)
    (folder / "mounts" / "backup").mkdir(parents=True)
    return folder


def instruments_of(run_dir: Path) -> dict[str, tuple[Path, str]]:
    base = run_dir / "mounts" / "instruments"
    return {"astral1": (base / "astral1", ".raw"), "tims1": (base / "tims1", ".d"), "zeno1": (base / "zeno1", ".wiff")}


def acquire_thermo(folder: Path, names: list[str]) -> None:
    for i, name in enumerate(names):
        write_thermo(folder, name, MB, seed=i)
        os.utime(folder / name, (1_000 + i, 1_000 + i))  # oldest first, in this order


def test_under_the_cap_nothing_is_deleted(run_dir):
    astral = run_dir / "mounts" / "instruments" / "astral1"
    acquire_thermo(astral, ["20260101_000000_astral1_PRJ1_HeLa_001.raw", "20260101_000100_astral1_PRJ1_HeLa_002.raw"])
    report = enforce_cap(run_dir, 10 * MB, simulated_acquisitions(instruments_of(run_dir)),
                         lambda a: finished(a.name, "astral1", astral), lambda doc: None)
    assert report.deleted == [] and not report.pause
    assert len(list(astral.iterdir())) == 2


def test_over_the_cap_the_oldest_finished_backed_up_acquisitions_go_first_and_are_recorded(run_dir):
    astral = run_dir / "mounts" / "instruments" / "astral1"
    names = [f"20260101_00000{i}_astral1_PRJ1_HeLa_00{i}.raw" for i in range(1, 6)]
    acquire_thermo(astral, names)
    (astral / "someone_elses_file.raw").write_bytes(b"x" * MB)  # not the simulator's: never touched
    os.utime(astral / "someone_elses_file.raw", (1, 1))
    purged = []
    report = enforce_cap(run_dir, int(4.5 * MB), simulated_acquisitions(instruments_of(run_dir)),
                         lambda a: finished(a.name, "astral1", astral), purged.append)
    # 6 MB on disk, a cap of 4.5 MB: the two oldest simulated acquisitions go, in that order
    assert report.deleted == names[:2]
    assert [doc["_id"] for doc in purged] == names[:2]
    assert sorted(p.name for p in astral.iterdir()) == sorted(names[2:] + ["someone_elses_file.raw"])
    assert not report.pause
    lines = report.lines()
    assert lines[0] == (f"simulator: deleted {names[0]} from the instrument folder (finished, backup verified in "
                        f"the record)")
    assert "over its cap of" in lines[-1] and "freed" in lines[-1]


@pytest.mark.parametrize(("fields", "why"), [
    ({"backup_status": str(BackupStatus.COPYING_IN_PROGRESS)}, "its backup is not verified"),
    ({"backup_status": None}, "its backup is not verified"),
    ({"status": str(RawFileStatus.QUANTING)}, "still being processed"),
    ({"instrument_file_status": str(InstrumentFileStatus.PURGED)}, "purged already"),
    ({"file_info": {}}, "the record lists none of its files"),
])
def test_an_acquisition_the_record_does_not_clear_is_kept_and_the_simulator_pauses(run_dir, fields, why):
    astral = run_dir / "mounts" / "instruments" / "astral1"
    names = ["20260101_000001_astral1_PRJ1_HeLa_001.raw", "20260101_000002_astral1_PRJ1_HeLa_002.raw"]
    acquire_thermo(astral, names)
    report = enforce_cap(run_dir, MB // 2, simulated_acquisitions(instruments_of(run_dir)),
                         lambda a: finished(a.name, "astral1", astral, **fields), lambda doc: None)
    assert report.deleted == []
    assert why in report.kept[names[0]]
    assert report.pause and "new acquisitions pause" in report.lines()[-1]
    assert sorted(p.name for p in astral.iterdir()) == names


def test_a_file_changed_since_it_was_recorded_is_kept(run_dir):
    astral = run_dir / "mounts" / "instruments" / "astral1"
    names = ["20260101_000001_astral1_PRJ1_HeLa_001.raw", "20260101_000002_astral1_PRJ1_HeLa_002.raw"]
    acquire_thermo(astral, names)
    recorded = {name: finished(name, "astral1", astral) for name in names}
    with open(astral / names[0], "ab") as grown:
        grown.write(b"more")
    os.utime(astral / names[0], (1_000, 1_000))  # still the older one
    report = enforce_cap(run_dir, MB // 2, simulated_acquisitions(instruments_of(run_dir)),
                         lambda a: recorded[a.name], lambda doc: None)
    assert report.deleted == [] and "the record says" in report.kept[names[0]]
    assert (astral / names[0]).exists()


def test_not_in_the_record_and_the_newest_of_an_instrument_are_kept(run_dir):
    astral = run_dir / "mounts" / "instruments" / "astral1"
    names = ["20260101_000001_astral1_PRJ1_HeLa_001.raw", "20260101_000002_astral1_PRJ1_HeLa_002.raw"]
    acquire_thermo(astral, names)
    report = enforce_cap(run_dir, 0, simulated_acquisitions(instruments_of(run_dir)),
                         lambda a: None, lambda doc: None)
    assert report.kept == {names[0]: "not in the record yet"}  # the newest may still be growing: not asked
    assert why_not_deletable(None) == "not in the record yet"


def test_bruker_trees_and_sciex_file_sets_are_deleted_whole_but_backups_never(run_dir):
    tims = run_dir / "mounts" / "instruments" / "tims1"
    zeno = run_dir / "mounts" / "instruments" / "zeno1"
    backup = run_dir / "mounts" / "backup" / "tims1" / "2026_01"
    backup.mkdir(parents=True)
    old_d, new_d = "20260101_000001_tims1_PRJ1_HeLa_001.d", "20260101_000002_tims1_PRJ1_HeLa_002.d"
    old_w, new_w = "20260101_000001_zeno1_PRJ1_HeLa_001.wiff", "20260101_000002_zeno1_PRJ1_HeLa_002.wiff"
    for i, name in enumerate((old_d, new_d)):
        write_bruker(tims, name, MB, seed=i)
        os.utime(tims / name, (1_000 + i, 1_000 + i))
        write_thermo(backup, name + ".tdf_bin", MB, seed=i)  # stands for its backup copy
    for i, name in enumerate((old_w, new_w)):
        write_sciex(zeno, name, MB, seed=i)
        os.utime(zeno / name, (1_000 + i, 1_000 + i))
    records = {old_d: finished(old_d, "tims1", tims), old_w: finished(old_w, "zeno1", zeno)}
    assert len(records[old_w]["file_info"]) == 3
    report = enforce_cap(run_dir, 0, simulated_acquisitions(instruments_of(run_dir)),
                         lambda a: records.get(a.name), lambda doc: None)
    assert sorted(report.deleted) == sorted([old_d, old_w])
    assert sorted(p.name for p in tims.iterdir()) == [new_d]
    assert sorted(p.name for p in zeno.iterdir()) == sorted([new_w, new_w + ".scan", new_w.replace(".wiff", ".wiff2")])
    assert len(list(backup.iterdir())) == 2
    assert report.pause, "backups alone are over a cap of 0: acquisitions pause"


def test_disk_usage_counts_every_file_under_the_run_folder(run_dir):
    before = disk_usage(run_dir)
    write_thermo(run_dir / "mounts" / "backup", "x.raw", 3 * MB)
    assert disk_usage(run_dir) - before >= 3 * MB


def test_with_the_real_record_only_the_verified_acquisition_is_deleted_and_marked_purged(run_dir, mongo_db):
    from kraken_core.record.raw_files import get_raw_file, register_raw_file, update_raw_file

    astral = run_dir / "mounts" / "instruments" / "astral1"
    names = [f"20260101_00000{i}_astral1_PRJ1_HeLa_00{i}.raw" for i in range(1, 4)]
    acquire_thermo(astral, names)
    for name, backup in zip(names, (BackupStatus.COPYING_DONE, BackupStatus.COPYING_IN_PROGRESS,
                                    BackupStatus.COPYING_DONE)):
        register_raw_file(mongo_db, raw_file_id=name, original_name=name, instrument_id="astral1", project_id="PRJ1",
                          collision_flag=None, status=RawFileStatus.MONITORING_DONE, created_at=datetime.now(UTC))
        update_raw_file(mongo_db, name, status=RawFileStatus.DONE_NOT_QUANTED, backup_status=backup,
                        file_info=finished(name, "astral1", astral)["file_info"])
    report = enforce_cap(run_dir, 0, simulated_acquisitions(instruments_of(run_dir)), record_of_in(mongo_db),
                         mark_purged_in(mongo_db))
    assert report.deleted == [names[0]]
    assert "its backup is not verified (backup_status copying_in_progress)" == report.kept[names[1]]
    assert sorted(p.name for p in astral.iterdir()) == names[1:]
    assert get_raw_file(mongo_db, names[0])["instrument_file_status"] == "purged"
    assert get_raw_file(mongo_db, names[1]).get("instrument_file_status") == "initial"
