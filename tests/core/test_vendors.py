"""Vendor rules: what counts as a raw file, its main file, and which files belong to it."""

import os

import pytest

from kraken_core.config import Vendor
from kraken_core.safe_paths import UnsafePathError
from kraken_core.simulator import write_bruker, write_sciex, write_thermo
from kraken_core.vendors import raw_file_members, scan_instrument_folder


def test_thermo_lists_raw_files_only_and_never_the_backup_folder(tmp_path):
    write_thermo(tmp_path, "a.raw", 100)
    write_thermo(tmp_path, "b.RAW", 5)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "Backup").mkdir()
    write_thermo(tmp_path / "Backup", "old.raw", 10)
    (tmp_path / "folder.raw").mkdir()
    entries = scan_instrument_folder(tmp_path, Vendor.THERMO)
    assert {n: e.main_size for n, e in entries.items()} == {"a.raw": 100, "b.RAW": 5}
    assert raw_file_members(tmp_path, Vendor.THERMO, "a.raw") == ["a.raw"]


def test_links_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    write_thermo(outside, "secret.raw", 10)
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "secret.raw").symlink_to(outside / "secret.raw")
    assert scan_instrument_folder(inst, Vendor.THERMO) == {}
    write_bruker(inst, "x.d", 10)
    (inst / "x.d" / "linked").symlink_to(outside / "secret.raw")
    with pytest.raises(UnsafePathError, match="link"):
        raw_file_members(inst, Vendor.BRUKER, "x.d")


def test_bruker_main_file_is_analysis_tdf_bin_and_whole_tree_belongs(tmp_path):
    write_bruker(tmp_path, "s1.d", 1000)
    write_bruker(tmp_path, "s2.d", 0, with_main=False)
    entries = scan_instrument_folder(tmp_path, Vendor.BRUKER)
    assert entries["s1.d"].main_size == 1000
    assert entries["s2.d"].main_size is None
    assert raw_file_members(tmp_path, Vendor.BRUKER, "s1.d") == [
        "s1.d/analysis.tdf",
        "s1.d/analysis.tdf_bin",
        "s1.d/chromatography-data.sqlite",
        "s1.d/method.m/submethods.xml",
    ]


def test_sciex_siblings_belong_to_the_longest_matching_stem(tmp_path):
    write_sciex(tmp_path, "A.wiff", 1000)
    write_sciex(tmp_path, "A.1.wiff", 1000)
    (tmp_path / "A.timeseries.data").write_bytes(b"t")
    entries = scan_instrument_folder(tmp_path, Vendor.SCIEX)
    assert set(entries) == {"A.wiff", "A.1.wiff"}
    assert raw_file_members(tmp_path, Vendor.SCIEX, "A.wiff") == [
        "A.timeseries.data", "A.wiff", "A.wiff.scan", "A.wiff2"]
    assert raw_file_members(tmp_path, Vendor.SCIEX, "A.1.wiff") == ["A.1.wiff", "A.1.wiff.scan", "A.1.wiff2"]


@pytest.mark.parametrize(("scan_size", "converting"), [(0, True), (144, True), (145, False)])
def test_sciex_small_scan_file_means_still_converting(tmp_path, scan_size, converting):
    write_sciex(tmp_path, "Z.wiff", 1000, scan_size=scan_size)
    assert scan_instrument_folder(tmp_path, Vendor.SCIEX)["Z.wiff"].converting is converting


def test_names_with_spaces_unicode_quotes_and_metacharacters(tmp_path):
    names = ["with space.raw", "ünïcødé_µ.raw", "it's \"quoted\".raw", "$(touch pwned);`id`&.raw"]
    for name in names:
        write_thermo(tmp_path, name, 10)
    assert set(scan_instrument_folder(tmp_path, Vendor.THERMO)) == set(names)
    assert not os.path.exists("pwned")
