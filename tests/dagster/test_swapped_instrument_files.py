"""An instrument file replaced after the watcher registered it (by a link to a secret, or by another file under the
same name) is refused by the real pipeline assets on a real temp folder: the raw file's record says what was
expected, what was found and what to do, and nothing of the link's target reaches the backup pool."""

import os

import pytest

from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_bruker, write_thermo
from kraken_core.verified_copy import temporary_path
from tests.conftest import config_dict
from tests.support.pipeline import check_evaluation, materialize_partition, register, resources_for, write_config_file

SECRET = b"lab-admin password file: never to be backed up\n" * 2000


@pytest.fixture
def setup(mounts, tmp_path, services, mongo_db, make_config):
    config_file = write_config_file(tmp_path / "alphakraken.yaml", config_dict(mounts))
    secret = tmp_path / "elsewhere" / "secret.bin"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    return make_config(), resources_for(config_file, services, mongo_db.name), secret


def backup_pool_bytes(config) -> list[bytes]:
    return [p.read_bytes() for p in config.locations.backup.path.rglob("*") if p.is_file()]


def assert_secret_never_copied(config) -> None:
    assert not any(SECRET[:200] in content for content in backup_pool_bytes(config)), "the link target was copied"


def swap_for_link(path, target) -> None:
    path.unlink()
    path.symlink_to(target)


def test_a_thermo_file_swapped_for_a_link_after_registration_is_refused_and_its_target_never_copied(
        setup, mongo_db, instance):
    config, resources, secret = setup
    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "20240301_PRJ1_qc.raw", 200_000, seed=3)
    [rid] = register(mongo_db, config, "thermo1")
    assert get_raw_file(mongo_db, rid)["acquisition_inode"] == [os.stat(folder / rid).st_dev,
                                                                os.stat(folder / rid).st_ino]
    swap_for_link(folder / rid, secret)

    result = materialize_partition([raw_file, raw_file_backup], rid, resources, instance)

    assert not result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "error"
    details = doc["status_details"]
    assert f"refusing instrument file {folder / rid}" in details
    assert f"found a symbolic link to {secret}" in details
    assert "not read or copied" in details and "put the acquisition back" in details
    assert not doc["file_info"]
    assert_secret_never_copied(config)


def test_a_file_replaced_by_another_file_after_registration_is_refused_before_it_is_read(setup, mongo_db, instance):
    config, resources, _ = setup
    folder = config.instrument_folder("thermo1")
    name = "20240301_PRJ1_swap.raw"
    write_thermo(folder, name, 200_000, seed=4)
    [rid] = register(mongo_db, config, "thermo1")
    registered = os.stat(folder / name)
    impostor = folder / ".impostor"
    impostor.write_bytes(b"x" * 200_000)
    os.utime(impostor, ns=(registered.st_atime_ns, registered.st_mtime_ns))  # same size and time: only the inode
    os.rename(impostor, folder / name)

    assert not materialize_partition([raw_file, raw_file_backup], rid, resources, instance).success

    details = get_raw_file(mongo_db, rid)["status_details"]
    assert f"expected the regular file registered for it (device {registered.st_dev}, inode {registered.st_ino})" \
        in details
    assert "found another file under that name" in details and "swapped after registration" in details
    assert not backup_pool_bytes(config)


def test_the_backup_step_refuses_a_link_swapped_in_after_the_checksum(setup, mongo_db, instance):
    """The backup copies from the instrument file when the staged copy is gone; a link holding the same bytes
    (the copy an attacker would make to pass the md5 check) is refused all the same."""
    config, resources, _ = setup
    folder = config.instrument_folder("thermo1")
    name = "20240301_PRJ1_late.raw"
    write_thermo(folder, name, 200_000, seed=5)
    [rid] = register(mongo_db, config, "thermo1")
    assert materialize_partition([raw_file], rid, resources, instance).success
    doc = get_raw_file(mongo_db, rid)
    assert set(doc["file_inodes"]) == {name}
    raw = RawFileLocation.from_doc(doc)
    temporary_path(backup_base_path(config, raw) / name).unlink()  # the staged copy is lost
    lookalike = folder.parent / "lookalike.raw"
    lookalike.write_bytes((folder / name).read_bytes())
    swap_for_link(folder / name, lookalike)

    assert not materialize_partition([raw_file_backup], rid, resources, instance).success

    details = get_raw_file(mongo_db, rid)["status_details"]
    assert f"found a symbolic link to {lookalike}" in details
    assert not backup_pool_bytes(config), "nothing was copied"


def test_a_link_inside_a_bruker_folder_is_refused(setup, mongo_db, instance):
    config, resources, secret = setup
    folder = config.instrument_folder("bruker1")
    write_bruker(folder, "20240301_PRJ1_tims.d", 100_000, seed=6)
    [rid] = register(mongo_db, config, "bruker1")
    swap_for_link(folder / rid / "analysis.tdf", secret)

    assert not materialize_partition([raw_file, raw_file_backup], rid, resources, instance).success

    details = get_raw_file(mongo_db, rid)["status_details"]
    assert f"{folder / rid / 'analysis.tdf'}" in details and "link" in details
    assert_secret_never_copied(config)


def test_a_record_without_stored_identities_is_backed_up_and_still_refuses_links(setup, mongo_db, instance):
    """Records written before identities were kept (or by AlphaKraken) work as before."""
    config, resources, secret = setup
    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "20240301_PRJ1_old.raw", 150_000, seed=7)
    write_thermo(folder, "20240301_PRJ1_older.raw", 150_000, seed=8)
    ids = register(mongo_db, config, "thermo1")
    mongo_db.raw_file.update_many({"_id": {"$in": ids}}, {"$unset": {"acquisition_inode": "", "file_inodes": ""}})
    good, linked = sorted(ids)
    swap_for_link(folder / linked, secret)

    ok = materialize_partition([raw_file, raw_file_backup], good, resources, instance)
    assert ok.success and check_evaluation(ok, "backup_identical").passed
    assert get_raw_file(mongo_db, good)["backup_status"] == "copying_done"

    assert not materialize_partition([raw_file, raw_file_backup], linked, resources, instance).success
    assert "found a symbolic link" in get_raw_file(mongo_db, linked)["status_details"]
    assert_secret_never_copied(config)
