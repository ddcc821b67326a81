"""A staged copy is read back from the disk while it is written, and only an unchanged marked copy skips a re-read."""

import hashlib
import os
from pathlib import Path

import pytest

from kraken_core import verified_copy
from kraken_core.read_back import MARK, ReadBack, carries_mark
from kraken_core.verified_copy import StagedCopyMismatchError, promote_staged, stage_copy, temporary_path
from tests.core.test_verified_copy import MB, make_file


def _xattrs_kept(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_bytes(b"x")
    try:
        os.setxattr(probe, MARK, b"1")
        return True
    except OSError:
        return False
    finally:
        probe.unlink()


def test_read_back_hashes_what_the_disk_holds_not_what_was_written(tmp_path):
    path = tmp_path / "copy"
    path.write_bytes(b"a" * MB)
    with open(path, "r+b") as handle:  # the disk now holds something else than the writer wrote
        handle.seek(MB // 2)
        handle.write(b"b")
    read_back = ReadBack(path, 64 * 1024)
    try:
        read_back.add(0, MB // 4)
        read_back.add(MB // 4, MB)
        size, md5 = read_back.result()
    finally:
        read_back.close()
    assert (size, md5) == (MB, hashlib.md5(path.read_bytes()).hexdigest())
    assert md5 != hashlib.md5(b"a" * MB).hexdigest()


def test_a_staged_copy_is_proven_over_several_sync_windows_and_promoted(tmp_path, monkeypatch):
    monkeypatch.setattr(verified_copy, "SYNC_WINDOW", MB)  # 5 windows and a partial one
    source, target = tmp_path / "a.raw", tmp_path / "backup" / "a.raw"
    size, md5 = make_file(source, 5 * MB + 12345)
    digest = stage_copy(source, target, buffer_size=256 * 1024)
    assert (digest.size, digest.md5) == (size, md5)
    if _xattrs_kept(target.parent):
        assert carries_mark(temporary_path(target), md5)
    result = promote_staged(target, size, md5)
    assert hashlib.md5(target.read_bytes()).hexdigest() == md5 and not temporary_path(target).exists()
    assert result.size == size


def test_a_staged_copy_changed_after_staging_loses_its_mark_and_is_refused(tmp_path):
    source, target = tmp_path / "a.raw", tmp_path / "backup" / "a.raw"
    size, md5 = make_file(source, 3 * MB)
    stage_copy(source, target)
    tmp = temporary_path(target)
    with open(tmp, "r+b") as handle:  # same size, one byte different
        handle.seek(MB)
        handle.write(b"\x00" if tmp.read_bytes()[MB] != 0 else b"\x01")
    assert not carries_mark(tmp, md5)
    with pytest.raises(StagedCopyMismatchError, match="does not match the record"):
        promote_staged(target, size, md5)
    assert not target.exists() and not tmp.exists()


def test_a_mark_for_another_md5_does_not_prove_a_copy(tmp_path):
    source, target = tmp_path / "a.raw", tmp_path / "backup" / "a.raw"
    make_file(source, MB)
    stage_copy(source, target)
    assert not carries_mark(temporary_path(target), "0" * 32)
