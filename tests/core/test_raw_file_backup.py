"""Checksum and backup of whole raw files (all vendors), with hostile names and collisions."""

from datetime import UTC, datetime

import pytest

from kraken_core.raw_file_backup import (
    RawFileGoneError,
    RawFileLocation,
    backup_base_path,
    backup_raw_file,
    checksum_raw_file,
    verify_backup,
)
from kraken_core.simulator import write_bruker, write_sciex, write_thermo

WHEN = datetime(2024, 3, 7, 10, 0, tzinfo=UTC)


def location(name, instrument, prefix=None):
    return RawFileLocation(f"{prefix or ''}{name}", name, instrument, prefix, WHEN)


@pytest.mark.parametrize(
    "name",
    ["plain.raw", "with space.raw", "ünïcødé_µ.raw", "it's \"quoted\".raw", "$(touch pwned);`id`|&.raw"],
)
def test_thermo_backup_is_identical_whatever_the_name(config, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = config.instrument_folder("thermo1")
    write_thermo(folder, name, 123_457)
    raw = location(name, "thermo1")
    info, total = checksum_raw_file(config, raw)
    assert total == 123_457 and list(info) == [name]
    backup_raw_file(config, raw, info, overwrite=False)
    target = backup_base_path(config, raw) / name
    assert target == config.locations.backup.path / "thermo1" / "2024_03" / name
    assert target.read_bytes() == (folder / name).read_bytes()
    assert verify_backup(config, raw, info) == []
    assert not (tmp_path / "pwned").exists()


def test_bruker_tree_and_sciex_set_are_backed_up_whole(config):
    write_bruker(config.instrument_folder("bruker1"), "b.d", 50_000)
    write_sciex(config.instrument_folder("sciex1"), "s.wiff", 40_000)
    for raw in (location("b.d", "bruker1"), location("s.wiff", "sciex1")):
        info, _ = checksum_raw_file(config, raw)
        backup_raw_file(config, raw, info, overwrite=False)
        assert verify_backup(config, raw, info) == []
    base = config.locations.backup.path
    assert (base / "bruker1/2024_03/b.d/analysis.tdf_bin").stat().st_size == 50_000
    assert (base / "bruker1/2024_03/b.d/method.m/submethods.xml").exists()
    assert sorted(p.name for p in (base / "sciex1/2024_03").iterdir()) == ["s.wiff", "s.wiff.scan", "s.wiff2"]


def test_collision_prefix_goes_in_front_of_every_backup_file(config):
    write_sciex(config.instrument_folder("sciex1"), "s.wiff", 1000)
    raw = location("s.wiff", "sciex1", prefix="20240307-100000-000001-")
    info, _ = checksum_raw_file(config, raw)
    backup_raw_file(config, raw, info, overwrite=False)
    names = sorted(p.name for p in backup_base_path(config, raw).iterdir())
    assert names == ["20240307-100000-000001-s.wiff", "20240307-100000-000001-s.wiff.scan",
                     "20240307-100000-000001-s.wiff2"]


def test_verify_backup_finds_a_flipped_byte_and_a_missing_file(config):
    write_bruker(config.instrument_folder("bruker1"), "b.d", 10_000)
    raw = location("b.d", "bruker1")
    info, _ = checksum_raw_file(config, raw)
    backup_raw_file(config, raw, info, overwrite=False)
    base = backup_base_path(config, raw)
    main = base / "b.d/analysis.tdf_bin"
    data = bytearray(main.read_bytes())
    data[5000] ^= 0xFF
    main.write_bytes(bytes(data))
    (base / "b.d/analysis.tdf").unlink()
    problems = {p.relpath: p.problem for p in verify_backup(config, raw, info)}
    assert problems["b.d/analysis.tdf_bin"].startswith("md5")
    assert problems["b.d/analysis.tdf"] == "backup file is missing"


def test_raw_file_gone_from_the_instrument_is_a_clear_error(config):
    with pytest.raises(RawFileGoneError, match="is gone.*re-materialize"):
        checksum_raw_file(config, location("never.raw", "thermo1"))


def test_raw_file_of_an_unconfigured_instrument_is_a_clear_error(config):
    with pytest.raises(RawFileGoneError, match="not in the configuration"):
        checksum_raw_file(config, location("x.raw", "retired9"))


def test_checksum_stages_the_copy_in_the_same_read_and_backup_promotes_it(config):
    from kraken_core.verified_copy import temporary_path

    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "a.raw", 300_000)
    raw = location("a.raw", "thermo1")
    info, _ = checksum_raw_file(config, raw, stage=True, etag_part_size=100_000)
    target = backup_base_path(config, raw) / "a.raw"
    assert temporary_path(target).exists() and not target.exists()
    assert info["a.raw"][2].endswith("-3")  # the S3 ETag of three parts, from the same read
    [result] = backup_raw_file(config, raw, info, overwrite=False)
    assert not result.skipped and target.read_bytes() == (folder / "a.raw").read_bytes()
    assert not temporary_path(target).exists()


def test_stale_staged_copy_is_replaced_by_a_fresh_verified_copy(config):
    from kraken_core.verified_copy import temporary_path

    folder = config.instrument_folder("thermo1")
    write_thermo(folder, "a.raw", 50_000)
    raw = location("a.raw", "thermo1")
    info, _ = checksum_raw_file(config, raw, stage=True)
    target = backup_base_path(config, raw) / "a.raw"
    temporary_path(target).write_bytes(b"left over from a crashed run")
    backup_raw_file(config, raw, info, overwrite=False)
    assert target.read_bytes() == (folder / "a.raw").read_bytes()
    assert verify_backup(config, raw, info) == []
