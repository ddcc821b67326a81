"""End to end: a small instrument disk fills up; the remover frees exactly enough space, oldest first.

The instrument folder is a real size-limited tmpfs, and the purge runs as the Dagster asset with its real free-space
probe (statvfs). Where mounting is not permitted, the same scenario runs on the remover with a probe that treats
the folder as a disk of the same capacity.
"""

import os

import dagster as dg
import pytest

from kraken_assets.lifecycle import LifecycleDefinitions
from kraken_core.lifecycle.remover import Remover
from kraken_core.lifecycle.verification import PoolBackupVerifier
from tests.lifecycle.conftest import PRODUCTION
from tests.support.lifecycle import (
    FolderCapacityProbe,
    make_raw_file,
    metadata_of,
    mount_tmpfs,
    resources,
    unaccounted_files,
    unmount,
)
from tests.support.mount_markers import MARKER, in_production

MIB = 1024 * 1024
DISK = 16 * MIB
FILE = 2 * MIB
MIN_FREE_GB = 0.006  # 6,000,000 bytes


@pytest.fixture
def small_disk(lifecycle_config, monkeypatch):
    config = lifecycle_config(min_free_space_gb=MIN_FREE_GB, min_file_age_days=7)
    folder = config.instrument_folder("thermo1")
    mounted = mount_tmpfs(folder, DISK)
    yield in_production(config), mounted
    if mounted:
        unmount(folder)


def fill(config, db):
    """Seven old 2 MiB files (ages 20 to 14 days), one fresh 1 MiB file: about 1 MiB of 16 MiB stays free."""
    names = []
    for i, age in enumerate(range(20, 13, -1)):
        name = f"run{i}_age{age}.raw"
        make_raw_file(config, db, "thermo1", name, {name: FILE}, age_days=age, seed=i)
        names.append(name)
    make_raw_file(config, db, "thermo1", "fresh.raw", {"fresh.raw": MIB}, age_days=0.1, seed=99)
    return names


def test_remover_frees_exactly_enough_space_oldest_first(small_disk, mongo_db, services, monkeypatch):
    config, mounted = small_disk
    monkeypatch.setenv("ENV", "production")
    folder = config.instrument_folder("thermo1")
    oldest_first = fill(config, mongo_db)
    probe = None if mounted else FolderCapacityProbe(DISK)
    free_before = (os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize) if mounted else probe(folder)
    need = MIN_FREE_GB * 1e9 - free_before
    expected = -(-int(need) // FILE)  # the fewest 2 MiB files that free `need`
    assert 0 < need and expected < len(oldest_first), "the disk must be short of space, with files to spare"

    if mounted:
        purged = LifecycleDefinitions(config).purged
        result = dg.materialize([purged], resources=resources(config, mongo_db, services))
        meta = metadata_of(result, purged)
        [row] = [r for r in meta["instruments"] if r["instrument"] == "thermo1"]
        free_after = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
        assert row["free_gb_before"] == pytest.approx(free_before / 1e9, abs=1e-3)
        assert row["free_gb_after"] == pytest.approx(free_after / 1e9, abs=1e-3)
        assert meta["files_deleted"] == expected
    else:
        Remover(config, mongo_db, PRODUCTION, PoolBackupVerifier(config), free_space=probe).run(["thermo1"])
        free_after = probe(folder)

    deleted = oldest_first[:expected]
    assert sorted(os.listdir(folder)) == sorted([*oldest_first[expected:], "fresh.raw", MARKER])
    assert free_after >= MIN_FREE_GB * 1e9 > free_after - FILE, "enough space, and not one file more"
    for name in deleted:
        assert mongo_db.raw_file.find_one({"_id": name})["instrument_file_status"] == "purged"
    for name in [*oldest_first, "fresh.raw"]:
        assert unaccounted_files(config, mongo_db, name) == []
