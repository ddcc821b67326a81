"""Files that change under the platform: a same-size re-acquisition under a used name, and a file that grows while
it is being copied. The real watcher decides, the real pipeline assets copy, every backup is compared byte for
byte with what the instrument wrote."""

import os
import threading
import time

import pytest

from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_relpath
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_sciex, write_thermo
from kraken_core.verified_copy import TMP_SUFFIX
from kraken_core.watcher import InstrumentWatcher, WatcherState
from tests.conftest import config_dict
from tests.support.pipeline import check_evaluation, materialize_partition, resources_for, write_config_file

ASSETS = [raw_file, raw_file_backup]


@pytest.fixture
def setup(mounts, tmp_path, services, mongo_db, make_config):
    data = {**config_dict(mounts), "backup": {"copy_buffer_mb": 1}}
    config_file = write_config_file(tmp_path / "alphakraken.yaml", data)
    return make_config(backup={"copy_buffer_mb": 1}), resources_for(config_file, services, mongo_db.name)


class Watcher:
    """The real watcher of one instrument, ticked by hand with its state kept between ticks."""

    def __init__(self, db, config, instrument_id):
        self.watcher = InstrumentWatcher(db, config, instrument_id)
        self.state = WatcherState()
        self.now = 1e9
        self.window = config.timings.size_stable_window_s

    def tick(self, wait: float = 1):
        self.now += wait
        outcome = self.watcher.tick(WatcherState.from_cursor(self.state.to_cursor()), now=self.now)
        self.state = outcome.state
        return outcome

    def finish(self):
        return self.tick(self.window + 1)


def backup_files(config, db, rid: str) -> dict[str, bytes]:
    doc = get_raw_file(db, rid)
    raw = RawFileLocation.from_doc(doc)
    base = backup_base_path(config, raw)
    assert not list(base.rglob(f"*{TMP_SUFFIX}")), "no staged copy is left behind"
    return {rel: (base / backup_relpath(raw, rel)).read_bytes() for rel in doc["file_info"]}


def instrument_files(folder, names) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


def make_newer(path, seconds: int = 60) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


@pytest.mark.parametrize("vendor", ["thermo", "sciex"])
def test_a_same_size_reacquisition_is_a_second_raw_file_with_its_own_identical_backup(setup, mongo_db, instance,
                                                                                      vendor):
    config, resources = setup
    instrument = f"{vendor}1"
    folder = config.instrument_folder(instrument)
    if vendor == "thermo":
        name, members = "20240301_PRJ1_qc.raw", ["20240301_PRJ1_qc.raw"]
        write_thermo(folder, name, 300_000, seed=1)
    else:
        name = "20240301_PRJ1_qc.wiff"
        members = [name, name + ".scan", "20240301_PRJ1_qc.wiff2"]
        write_sciex(folder, name, 300_000, seed=1)
    watcher = Watcher(mongo_db, config, instrument)
    watcher.tick()
    [first] = [f.raw_file_id for f in watcher.finish().finished]
    assert materialize_partition(ASSETS, first, resources, instance).success
    first_content = instrument_files(folder, members)

    # the same name again, the same sizes, other data (Sciex: the small .wiff keeps its size, the .scan is new)
    for member in members[1:] if vendor == "sciex" else members:
        size = (folder / member).stat().st_size
        (folder / member).write_bytes(os.urandom(size))
        make_newer(folder / member)
    if vendor == "sciex":
        make_newer(folder / name)
    second_content = instrument_files(folder, members)
    assert {m: len(c) for m, c in second_content.items()} == {m: len(c) for m, c in first_content.items()}

    outcome = watcher.tick()
    assert outcome.reused_names == [name]
    [second] = outcome.registered
    assert second != first and second.endswith(name)
    assert [f.raw_file_id for f in watcher.finish().finished] == [second]
    result = materialize_partition(ASSETS, second, resources, instance)
    assert result.success and check_evaluation(result, "backup_identical").passed

    assert backup_files(config, mongo_db, first) == first_content, "the first backup is untouched"
    assert backup_files(config, mongo_db, second) == second_content
    assert get_raw_file(mongo_db, second)["collision_flag"] == second[: -len(name)]


def test_a_file_that_grows_during_its_copy_is_backed_up_once_it_is_stable(setup, mongo_db, instance):
    config, resources = setup
    folder = config.instrument_folder("thermo1")
    name = "20240301_PRJ1_slow.raw"
    write_thermo(folder, name, 120_000_000, seed=2)
    watcher = Watcher(mongo_db, config, "thermo1")
    watcher.tick()
    [finished] = watcher.finish().finished
    rid = finished.raw_file_id

    def grow_once_the_copy_runs():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(config.locations.backup.path.rglob(f"*{TMP_SUFFIX}")):
            time.sleep(0.005)
        write_thermo(folder, name, 5_000_000, seed=3)  # the instrument was still writing

    grower = threading.Thread(target=grow_once_the_copy_runs)
    grower.start()
    result = materialize_partition(ASSETS, rid, resources, instance)
    grower.join()
    assert not result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "monitoring_acquisition" and "changed while it was being" in doc["status_details"]
    assert not list(config.locations.backup.path.rglob(f"*{TMP_SUFFIX}")), "the partial copy was removed"

    watcher.tick()
    again = watcher.finish().finished
    assert [f.raw_file_id for f in again] == [rid] and again[0].run_key != finished.run_key
    result = materialize_partition(ASSETS, rid, resources, instance)
    assert result.success and check_evaluation(result, "backup_identical").passed
    assert backup_files(config, mongo_db, rid) == {name: (folder / name).read_bytes()}
    assert get_raw_file(mongo_db, rid)["size"] == 125_000_000
