"""Instrument watcher ticks against the real test MongoDB server."""

import os

import pymongo
import pytest
from pymongo import monitoring

from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_bruker, write_sciex, write_thermo
from kraken_core.vendors import scan_instrument_folder
from kraken_core.watcher import InstrumentWatcher, WatcherState


class CommandCounter(monitoring.CommandListener):
    def __init__(self):
        self.commands = []

    def started(self, event):
        self.commands.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def tick(watcher, state, now):
    outcome = watcher.tick(state, now=now)
    return outcome, outcome.state


@pytest.fixture
def thermo(mongo_db, config):
    return InstrumentWatcher(mongo_db, config, "thermo1"), config.instrument_folder("thermo1")


def test_new_file_is_registered_and_finishes_when_the_next_one_starts(thermo, mongo_db):
    watcher, folder = thermo
    write_thermo(folder, "20240101_PRJ1_hela_01.raw", 1000)
    out, state = tick(watcher, WatcherState(), now=100)
    assert out.registered == ["20240101_PRJ1_hela_01.raw"] and out.finished == []
    doc = get_raw_file(mongo_db, "20240101_PRJ1_hela_01.raw")
    assert doc["status"] == "monitoring_acquisition"
    assert doc["instrument_id"] == "thermo1" and doc["project_id"] == "PRJ1"
    assert doc["collision_flag"] is None and doc["instrument_file_status"] == "initial"

    write_thermo(folder, "20240101_PRJ1_hela_02.raw", 10)
    out, state = tick(watcher, WatcherState.from_cursor(state.to_cursor()), now=101)
    assert [f.raw_file_id for f in out.finished] == ["20240101_PRJ1_hela_01.raw"]
    assert "20240101_PRJ1_hela_02.raw" in out.finished[0].reason
    assert get_raw_file(mongo_db, "20240101_PRJ1_hela_01.raw")["status"] == "monitoring_done"
    assert get_raw_file(mongo_db, "20240101_PRJ1_hela_02.raw")["status"] == "monitoring_acquisition"


def test_stable_size_finishes_and_a_growing_file_does_not(thermo, config):
    watcher, folder = thermo
    window = config.timings.size_stable_window_s
    write_thermo(folder, "a.raw", 100)
    _, state = tick(watcher, WatcherState(), now=0)
    write_thermo(folder, "a.raw", 100)  # grows
    out, state = tick(watcher, state, now=window)
    assert out.finished == []
    out, state = tick(watcher, state, now=2 * window)
    assert [f.raw_file_id for f in out.finished] == ["a.raw"] and not out.finished[0].failed


def test_project_id_falls_back_when_no_token_or_several_match(thermo, mongo_db):
    watcher, folder = thermo
    write_thermo(folder, "20240101_unknown_hela.raw", 10)
    write_thermo(folder, "20240101_prj1_PRJ2_hela.raw", 10)
    tick(watcher, WatcherState(), now=0)
    assert get_raw_file(mongo_db, "20240101_unknown_hela.raw")["project_id"] == "_FALLBACK"
    assert get_raw_file(mongo_db, "20240101_prj1_PRJ2_hela.raw")["project_id"] == "_FALLBACK"


def test_corrupted_thermo_file_is_recorded_as_failed_and_still_backed_up(thermo, mongo_db):
    watcher, folder = thermo
    write_thermo(folder, "x_CORRUPTED.raw", 10)
    out, _ = tick(watcher, WatcherState(), now=0)
    assert [(f.raw_file_id, f.failed) for f in out.finished] == [("x_CORRUPTED.raw", True)]
    doc = get_raw_file(mongo_db, "x_CORRUPTED.raw")
    assert doc["status"] == "acquisition_failed" and "corrupted" in doc["status_details"]


def test_bruker_folder_without_main_file_fails_after_the_timeout(mongo_db, config):
    watcher = InstrumentWatcher(mongo_db, config, "bruker1")
    folder = config.instrument_folder("bruker1")
    write_bruker(folder, "s.d", 0, with_main=False)
    _, state = tick(watcher, WatcherState(), now=0)
    doc = get_raw_file(mongo_db, "s.d")
    assert doc["status"] == "monitoring_acquisition" and "no main file" in doc["status_details"]
    out, _ = tick(watcher, state, now=config.timings.missing_main_file_timeout_s + 1)
    assert [(f.raw_file_id, f.failed) for f in out.finished] == [("s.d", True)]
    assert get_raw_file(mongo_db, "s.d")["status"] == "acquisition_failed"


def test_zero_byte_file_is_never_finished_by_a_newer_file(thermo, mongo_db, config):
    watcher, folder = thermo
    (folder / "empty.raw").touch()
    _, state = tick(watcher, WatcherState(), now=0)
    write_thermo(folder, "next.raw", 10)
    out, state = tick(watcher, state, now=1)
    assert out.finished == []
    assert "empty (0 byte)" in get_raw_file(mongo_db, "empty.raw")["status_details"]
    out, _ = tick(watcher, state, now=config.timings.missing_main_file_timeout_s + 1)
    assert ("empty.raw", True) in [(f.raw_file_id, f.failed) for f in out.finished]


def test_sciex_converting_file_waits_for_the_long_window(mongo_db, config):
    watcher = InstrumentWatcher(mongo_db, config, "sciex1")
    folder = config.instrument_folder("sciex1")
    write_sciex(folder, "z.wiff", 1000, scan_size=100)
    _, state = tick(watcher, WatcherState(), now=0)
    out, state = tick(watcher, state, now=config.timings.size_stable_window_s + 1)
    assert out.finished == []
    out, _ = tick(watcher, state, now=config.timings.sciex_conversion_window_s + 1)
    assert [f.raw_file_id for f in out.finished] == ["z.wiff"]


def test_same_name_different_size_is_a_collision_with_its_own_id(thermo, mongo_db, config):
    watcher, folder = thermo
    write_thermo(folder, "a.raw", 100)
    _, state = tick(watcher, WatcherState(), now=0)
    out, state = tick(watcher, state, now=config.timings.size_stable_window_s + 1)
    assert [f.raw_file_id for f in out.finished] == ["a.raw"]
    mongo_db.raw_file.update_one({"_id": "a.raw"}, {"$set": {"status": "done", "file_info": {"a.raw": [100, "m"]}}})
    (folder / "a.raw").unlink()  # moved away by the operator
    _, state = tick(watcher, state, now=20)
    write_thermo(folder, "a.raw", 250)  # a new acquisition reuses the name
    out, state = tick(watcher, state, now=21)
    assert len(out.registered) == 1 and out.registered[0].endswith("-a.raw")
    doc = get_raw_file(mongo_db, out.registered[0])
    assert doc["original_name"] == "a.raw" and doc["collision_flag"] == out.registered[0][: -len("a.raw")]
    assert get_raw_file(mongo_db, "a.raw")["status"] == "done"


def test_known_file_with_same_size_is_not_registered_again_after_cursor_loss(thermo, mongo_db):
    watcher, folder = thermo
    write_thermo(folder, "a.raw", 100)
    tick(watcher, WatcherState(), now=0)
    mongo_db.raw_file.update_one({"_id": "a.raw"}, {"$set": {"status": "done", "file_info": {"a.raw": [100, "m"]}}})
    out, _ = tick(watcher, WatcherState(), now=1)
    assert out.registered == [] and out.finished == []
    assert mongo_db.raw_file.count_documents({}) == 1


def test_file_vanishing_before_it_finished_is_recorded(thermo, mongo_db):
    watcher, folder = thermo
    write_thermo(folder, "gone.raw", 100)
    _, state = tick(watcher, WatcherState(), now=0)
    (folder / "gone.raw").unlink()
    tick(watcher, state, now=1)
    doc = get_raw_file(mongo_db, "gone.raw")
    assert doc["status"] == "acquisition_failed" and "disappeared" in doc["status_details"]


def test_backlog_is_paged_youngest_first_and_nothing_is_skipped_or_doubled(mongo_db, make_config):
    config = make_config(timings={"watcher_page_size": 10, "size_stable_window_s": 5})
    watcher = InstrumentWatcher(mongo_db, config, "thermo1")
    folder = config.instrument_folder("thermo1")
    for i in range(25):
        write_thermo(folder, f"f{i:02d}.raw", 10 + i)
        os.utime(folder / f"f{i:02d}.raw", (1000 + i, 1000 + i))
    out, state = tick(watcher, WatcherState(), now=0)
    assert out.registered == [f"f{i:02d}.raw" for i in range(24, 14, -1)]  # youngest first
    assert out.deferred == 15
    finished = []
    for now in range(1, 12):
        out, state = tick(watcher, state, now=now)
        finished += [f.raw_file_id for f in out.finished]
    assert sorted(finished) == [f"f{i:02d}.raw" for i in range(25)]
    assert mongo_db.raw_file.count_documents({}) == 25


def test_tick_that_failed_half_way_loses_nothing(thermo, mongo_db, config):
    """The finished file's status was written but the tick's cursor and run requests were lost."""
    watcher, folder = thermo
    write_thermo(folder, "a.raw", 100)
    _, registered_state = tick(watcher, WatcherState(), now=0)
    out, _ = tick(watcher, registered_state, now=config.timings.size_stable_window_s + 1)
    assert [f.raw_file_id for f in out.finished] == ["a.raw"]
    # the result of that tick never reached Dagster: retry from the previous cursor, or from none at all
    for state in (registered_state, WatcherState()):
        again, _ = tick(watcher, state, now=2 * config.timings.size_stable_window_s + 2)
        assert [f.raw_file_id for f in again.finished] == ["a.raw"]


def test_a_tick_without_new_files_makes_no_database_query(services, config):
    counter = CommandCounter()
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), event_listeners=[counter])
    db = client["kt_watcher_quiet"]
    try:
        watcher = InstrumentWatcher(db, config, "thermo1")
        folder = config.instrument_folder("thermo1")
        for i in range(50):
            write_thermo(folder, f"f{i}.raw", 10)
        _, state = tick(watcher, WatcherState(), now=0)
        for name in ("f0.raw", "f1.raw"):
            db.raw_file.update_one({"_id": name}, {"$set": {"status": "done"}})
        _, state = tick(watcher, state, now=100)  # all finish by stability
        counter.commands.clear()
        out, _ = tick(watcher, state, now=200)
        assert out.finished == [] and out.registered == []
        assert counter.commands == []
    finally:
        client.drop_database("kt_watcher_quiet")
        client.close()


def test_project_ids_from_the_record_are_recognised(thermo, mongo_db):
    watcher, folder = thermo
    mongo_db.project.insert_one({"_id": "P77", "name": "Plasma cohort"})
    write_thermo(folder, "20240101_p77_plasma.raw", 10)
    tick(watcher, WatcherState(), now=0)
    assert get_raw_file(mongo_db, "20240101_p77_plasma.raw")["project_id"] == "P77"


def finish(watcher, config, name_state, now):
    """Tick once past the stability window; returns (outcome, state)."""
    return tick(watcher, name_state, now=now + config.timings.size_stable_window_s + 1)


def back_up_in_record(db, raw_file_id: str, folder, name: str) -> None:
    """What a successful run leaves in the record (file_info of the main file, verified backup)."""
    size = (folder / name).stat().st_size
    db.raw_file.update_one({"_id": raw_file_id}, {"$set": {
        "status": "done", "backup_status": "copying_done", "file_info": {name: [size, "md5-of-first"]}}})


def rewrite_same_size(path, seed: int) -> None:
    """A new acquisition under the same name and of the same size, written later (another mtime)."""
    size = path.stat().st_size
    path.unlink()
    path.write_bytes(bytes([seed % 251]) * size)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.mark.parametrize("vanishes_between_ticks", [True, False])
def test_same_size_reacquisition_under_a_used_name_is_a_new_raw_file(thermo, mongo_db, config, vanishes_between_ticks):
    watcher, folder = thermo
    write_thermo(folder, "qc.raw", 500)
    _, state = tick(watcher, WatcherState(), now=0)
    out, state = finish(watcher, config, state, now=0)
    assert [f.raw_file_id for f in out.finished] == ["qc.raw"]
    back_up_in_record(mongo_db, "qc.raw", folder, "qc.raw")
    if vanishes_between_ticks:
        (folder / "qc.raw").unlink()
        _, state = tick(watcher, state, now=20)
        write_thermo(folder, "qc.raw", 500, seed=9)
        os.utime(folder / "qc.raw", (5000, 5000))
    else:
        rewrite_same_size(folder / "qc.raw", seed=9)
    out, state = tick(watcher, state, now=21)
    assert out.reused_names == ["qc.raw"]
    [new_id] = out.registered
    assert new_id != "qc.raw" and new_id.endswith("-qc.raw")
    assert get_raw_file(mongo_db, "qc.raw")["status"] == "done", "the backed-up raw file is left as it was"
    out, state = finish(watcher, config, state, now=21)
    assert [f.raw_file_id for f in out.finished] == [new_id]
    assert get_raw_file(mongo_db, new_id)["status"] == "monitoring_done"


def test_sciex_reacquisition_with_an_unchanged_wiff_size_is_a_new_raw_file(mongo_db, config):
    watcher = InstrumentWatcher(mongo_db, config, "sciex1")
    folder = config.instrument_folder("sciex1")
    write_sciex(folder, "z.wiff", 1000, scan_size=5000)
    _, state = tick(watcher, WatcherState(), now=0)
    _, state = finish(watcher, config, state, now=0)
    back_up_in_record(mongo_db, "z.wiff", folder, "z.wiff")
    wiff = folder / "z.wiff"
    st = wiff.stat()
    (folder / "z.wiff.scan").write_bytes(b"\x07" * 7000)  # a new .wiff.scan beside a .wiff of the same size
    os.utime(wiff, ns=(st.st_atime_ns, st.st_mtime_ns))  # even the .wiff's modification time is unchanged
    assert wiff.stat().st_size == st.st_size
    out, _ = tick(watcher, state, now=30)
    assert out.reused_names == ["z.wiff"] and len(out.registered) == 1


def test_a_file_that_grows_before_its_backup_is_watched_again_and_gets_a_new_run(thermo, mongo_db, config):
    watcher, folder = thermo
    write_thermo(folder, "slow.raw", 100)
    _, state = tick(watcher, WatcherState(), now=0)
    out, state = finish(watcher, config, state, now=0)
    [first] = out.finished
    write_thermo(folder, "other.raw", 10)  # the next sample starts
    _, state = tick(watcher, state, now=10)
    write_thermo(folder, "slow.raw", 100)  # the instrument was not done: it grows before the backup ran
    out, state = tick(watcher, state, now=11)
    doc = get_raw_file(mongo_db, "slow.raw")
    assert doc["status"] == "monitoring_acquisition"
    assert any("slow.raw changed after it was declared finished" in line for line in out.log)
    assert out.registered == [] and out.reused_names == []
    # the size change is not a newer acquisition: other.raw is still acquiring
    assert get_raw_file(mongo_db, "other.raw")["status"] == "monitoring_acquisition"
    out, state = finish(watcher, config, state, now=11)
    finished = {f.raw_file_id: f for f in out.finished}
    assert set(finished) >= {"slow.raw"}
    assert finished["slow.raw"].run_key != first.run_key, "the new version gets its own run"
    assert get_raw_file(mongo_db, "slow.raw")["status"] == "monitoring_done"


def grown_while_checksumming(watcher, folder, config, mongo_db, name):
    """A finished file whose run is checksumming it when the instrument writes more; the state after one tick."""
    write_thermo(folder, name, 100)
    _, state = tick(watcher, WatcherState(), now=0)
    _, state = finish(watcher, config, state, now=0)
    mongo_db.raw_file.update_one({"_id": name}, {"$set": {"status": "checksumming"}})
    write_thermo(folder, name, 100)
    _, state = tick(watcher, state, now=10)
    return state


def test_a_file_that_changes_while_a_run_copies_it_waits_for_that_run(thermo, mongo_db, config):
    watcher, folder = thermo
    state = grown_while_checksumming(watcher, folder, config, mongo_db, "busy.raw")
    assert get_raw_file(mongo_db, "busy.raw")["status"] == "checksumming", "the running step owns the status"
    out, state = finish(watcher, config, state, now=10)
    assert out.finished == [], "no second run while the first is copying"
    # the run's copy failed on the change and handed the file back to monitoring
    mongo_db.raw_file.update_one({"_id": "busy.raw"}, {"$set": {"status": "monitoring_acquisition"}})
    out, state = finish(watcher, config, state, now=30)
    assert [f.raw_file_id for f in out.finished] == ["busy.raw"]


def test_a_run_that_backed_up_the_current_version_is_not_redone(thermo, mongo_db, config):
    watcher, folder = thermo
    state = grown_while_checksumming(watcher, folder, config, mongo_db, "r.raw")
    # the run read the grown file after all, and recorded what it read
    entry = scan_instrument_folder(folder, config.instruments["thermo1"].type)["r.raw"]
    mongo_db.raw_file.update_one({"_id": "r.raw"}, {"$set": {
        "status": "done", "backup_status": "copying_done", "acquisition_signature": list(entry.signature)}})
    out, state = finish(watcher, config, state, now=10)
    assert out.finished == [] and out.registered == []
    assert mongo_db.raw_file.count_documents({}) == 1
