"""The raw_file and raw_file_backup assets with real resources: statuses advance, failures explain themselves."""

import dagster as dg
import pytest

from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_bruker, write_thermo
from tests.conftest import config_dict
from tests.support.pipeline import (
    check_evaluation,
    materialize_partition,
    register,
    resources_for,
    write_config_file,
)

ASSETS = [raw_file, raw_file_backup]


@pytest.fixture
def setup(mounts, tmp_path, services, mongo_db, config):
    config_file = write_config_file(tmp_path / "alphakraken.yaml", config_dict(mounts))
    return config, resources_for(config_file, services, mongo_db.name)


def test_thermo_file_is_checksummed_backed_up_and_recorded(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_a.raw", 2_000_000)
    [rid] = register(mongo_db, config, "thermo1")
    result = materialize_partition(ASSETS, rid, resources, instance)
    assert result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "done_not_quanted" and "quanting.enabled" in doc["status_details"]
    assert doc["backup_status"] == "copying_done" and doc["size"] == 2_000_000
    [(rel, (size, md5))] = doc["file_info"].items()
    backup = config.locations.backup.path / "thermo1" / doc["created_at"].strftime("%Y_%m") / rid
    assert doc["backup_base_path"] == str(backup.parent)
    assert backup.read_bytes() == (config.instrument_folder("thermo1") / rid).read_bytes()
    assert check_evaluation(result, "backup_identical").passed
    assert check_evaluation(result, "acquisition_complete").passed
    materialization = result.asset_materializations_for_node("raw_file_backup")[0]
    assert materialization.metadata["size_bytes"].value == 2_000_000
    assert "md5" in materialization.metadata.get("summary", dg.MetadataValue.md("md5")).value


def test_rerun_is_safe_and_skips_the_identical_copy(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "a.raw", 100_000)
    [rid] = register(mongo_db, config, "thermo1")
    assert materialize_partition(ASSETS, rid, resources, instance).success
    again = materialize_partition(ASSETS, rid, resources, instance)
    assert again.success
    meta = again.asset_materializations_for_node("raw_file_backup")[0].metadata
    assert meta["files_skipped_identical"].value == 1 and meta["files_copied"].value == 0


def test_different_existing_backup_fails_with_an_actionable_error(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "a.raw", 100_000)
    [rid] = register(mongo_db, config, "thermo1")
    doc = get_raw_file(mongo_db, rid)
    target = config.locations.backup.path / "thermo1" / doc["created_at"].strftime("%Y_%m") / "a.raw"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"someone else's file")
    result = materialize_partition(ASSETS, rid, resources, instance)
    assert not result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "error" and doc["backup_status"] == "copying_failed"
    assert "not overwritten" in doc["status_details"] and "a.raw" in doc["status_details"]
    assert target.read_bytes() == b"someone else's file"
    # the operator allows overwriting this one file: the rerun succeeds and keeps the old copy
    mongo_db.raw_file.update_one({"_id": rid}, {"$set": {"overwrite_backup": True}})
    assert materialize_partition(ASSETS, rid, resources, instance).success
    assert target.with_name("a.raw.bkp").read_bytes() == b"someone else's file"
    assert get_raw_file(mongo_db, rid)["status"] == "done_not_quanted"


def test_failed_bruker_acquisition_is_backed_up_and_keeps_its_status(setup, mongo_db, instance):
    config, resources = setup
    write_bruker(config.instrument_folder("bruker1"), "nomain.d", 0, with_main=False)
    [rid] = register(mongo_db, config, "bruker1")
    assert materialize_partition(ASSETS, rid, resources, instance).success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "acquisition_failed" and doc["backup_status"] == "copying_done"
    assert "nomain.d/analysis.tdf" in doc["file_info"]


def test_unmounted_backup_location_copies_nothing(setup, mongo_db, instance, mounts):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "a.raw", 1000)
    [rid] = register(mongo_db, config, "thermo1")
    (mounts / "backup").rmdir()
    result = materialize_partition(ASSETS, rid, resources, instance)
    assert not result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "error" and "backup: folder" in doc["status_details"]
    assert "does not exist" in doc["status_details"]


def test_a_copy_damaged_later_is_found_by_the_next_backup_and_never_overwritten(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "a.raw", 10_000)
    [rid] = register(mongo_db, config, "thermo1")
    assert materialize_partition(ASSETS, rid, resources, instance).success
    doc = get_raw_file(mongo_db, rid)
    target = config.locations.backup.path / "thermo1" / doc["created_at"].strftime("%Y_%m") / "a.raw"
    data = bytearray(target.read_bytes())
    data[0] ^= 1
    target.write_bytes(bytes(data))
    result = materialize_partition(ASSETS, rid, resources, instance)
    assert not result.success
    assert not [c for c in result.get_asset_check_evaluations() if c.passed and c.check_name == "backup_identical"], \
        "no passed backup check for a damaged copy"
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "copying_failed" and "differs from the instrument file" in doc["status_details"]
    assert target.read_bytes() == bytes(data), "the damaged copy is kept for inspection, not overwritten"
