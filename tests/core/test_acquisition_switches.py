"""AlphaKraken's acquisition windows as defaults, its two watcher switches (`consider_old_files_acquired`, the
maximum file age that makes a raw file `ignored`) and its project id rule, against the real test MongoDB."""

import os
import time

import pytest

from kraken_core.config.schema import AcquisitionSwitches, Timings
from kraken_core.raw_file_id import project_id_for
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_thermo
from kraken_core.watcher import InstrumentWatcher, WatcherState

HOUR = 3600


def aged(folder, name, size, hours):
    path = write_thermo(folder, name, size)[0]
    moment = time.time() - hours * HOUR
    os.utime(path, (moment, moment))


def test_defaults_are_alphakrakens_windows_and_switches_are_off():
    timings = Timings()
    assert (timings.size_stable_window_s, timings.sciex_conversion_window_s, timings.missing_main_file_timeout_s) \
        == (HOUR, 24 * HOUR, 120 * 60)
    switches = AcquisitionSwitches()
    assert not switches.consider_old_files_acquired and switches.old_file_age_difference_h == 5
    assert switches.max_file_age_in_hours is None


@pytest.mark.parametrize(("name", "project"), [
    ("2024_HeLa_0.5ng_PRJ1_01.raw", "PRJ1"),
    ("20240101_astral1_prj1_hela.raw", "PRJ1"),
    ("20240101_hela_PRJ1.raw", "_FALLBACK"),  # the last token keeps its extension, as in AlphaKraken
    ("20240101_PRJ1_PRJ2_hela.raw", "_FALLBACK"),
    ("20240101_hela.raw", "_FALLBACK"),
])
def test_project_id_among_all_tokens_of_the_name(name, project):
    assert project_id_for(name, ["PRJ1", "PRJ2"]) == project


def test_old_files_count_as_acquired_only_when_switched_on(mongo_db, make_config):
    for switched_on in (False, True):
        config = make_config(acquisition={"consider_old_files_acquired": switched_on})
        folder = config.instrument_folder("thermo1")
        for path in folder.iterdir():
            path.unlink()
        mongo_db.raw_file.delete_many({})
        aged(folder, "20240101_PRJ1_old.raw", 100, hours=6)
        aged(folder, "20240101_PRJ1_recent.raw", 100, hours=4)
        write_thermo(folder, "20240101_PRJ1_young.raw", 100)
        out = InstrumentWatcher(mongo_db, config, "thermo1").tick(WatcherState(), now=time.time())
        finished = [f.raw_file_id for f in out.finished]
        if switched_on:
            assert finished == ["20240101_PRJ1_old.raw"]
            assert "consider_old_files_acquired" in out.finished[0].reason
            assert get_raw_file(mongo_db, "20240101_PRJ1_old.raw")["status"] == "monitoring_done"
        else:
            assert finished == []
        assert get_raw_file(mongo_db, "20240101_PRJ1_recent.raw")["status"] == "monitoring_acquisition"


def test_files_older_than_the_maximum_age_are_ignored(mongo_db, make_config):
    config = make_config(acquisition={"max_file_age_in_hours": 2})
    folder = config.instrument_folder("thermo1")
    aged(folder, "20240101_PRJ1_old.raw", 100, hours=3)
    write_thermo(folder, "20240101_PRJ1_new.raw", 100)
    watcher = InstrumentWatcher(mongo_db, config, "thermo1")
    out = watcher.tick(WatcherState(), now=time.time())
    old = get_raw_file(mongo_db, "20240101_PRJ1_old.raw")
    assert old["status"] == "ignored" and "max_file_age_in_hours" in old["status_details"]
    assert get_raw_file(mongo_db, "20240101_PRJ1_new.raw")["status"] == "monitoring_acquisition"
    assert out.finished == []
    out = watcher.tick(out.state, now=time.time() + 10 * HOUR)  # stable long since: only the new one finishes
    assert [f.raw_file_id for f in out.finished] == ["20240101_PRJ1_new.raw"] and out.registered == []
    assert get_raw_file(mongo_db, "20240101_PRJ1_old.raw")["status"] == "ignored"
