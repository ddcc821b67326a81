"""Verified copy: identical bytes or a clear error, and never a half file under the final name."""

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from kraken_core.checksum import MultipartEtag, file_digest
from kraken_core.verified_copy import (
    BackupConflictError,
    BackupDiskFullError,
    CopyError,
    SourceChangedError,
    copy_verified,
    temporary_path,
)

MB = 1024 * 1024


def make_file(path: Path, size: int, seed: int = 1) -> tuple[int, str]:
    data = (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]
    path.write_bytes(data)
    return size, hashlib.md5(data).hexdigest()


def test_copy_is_identical_and_leaves_no_temporary_file(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 3 * MB + 17)
    result = copy_verified(src, tmp_path / "backup" / "a.raw", size, md5, buffer_size=MB)
    assert (tmp_path / "backup" / "a.raw").read_bytes() == src.read_bytes()
    assert result.md5 == md5 and not result.skipped
    assert not temporary_path(result.target).exists()


def test_identical_existing_copy_is_skipped(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 1000)
    target = tmp_path / "b" / "a.raw"
    copy_verified(src, target, size, md5)
    mtime = target.stat().st_mtime_ns
    assert copy_verified(src, target, size, md5).skipped
    assert target.stat().st_mtime_ns == mtime


def test_different_existing_copy_is_never_overwritten_by_default(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 1000)
    target = tmp_path / "a.backup"
    target.write_bytes(b"older different content")
    with pytest.raises(BackupConflictError, match="not overwritten.*overwrite_backup"):
        copy_verified(src, target, size, md5)
    assert target.read_bytes() == b"older different content"


def test_overwrite_keeps_the_old_copy_as_bkp(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 1000)
    target = tmp_path / "a.backup"
    target.write_bytes(b"old")
    result = copy_verified(src, target, size, md5, overwrite=True)
    assert result.kept_old_copy == tmp_path / "a.backup.bkp"
    assert result.kept_old_copy.read_bytes() == b"old"
    assert target.read_bytes() == src.read_bytes()


def test_source_changed_after_checksum_is_refused(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 1000)
    make_file(src, 1000, seed=2)  # same size, other bytes
    with pytest.raises(SourceChangedError, match="changed after the checksum"):
        copy_verified(src, tmp_path / "t.raw", size, md5)
    assert not (tmp_path / "t.raw").exists() and not temporary_path(tmp_path / "t.raw").exists()


def test_file_that_grows_during_the_copy_is_refused(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 4 * MB)

    def grow(copied, total):
        if copied == MB:
            with open(src, "ab") as handle:
                handle.write(b"more data")

    with pytest.raises(SourceChangedError, match="changed while it was being copied"):
        copy_verified(src, tmp_path / "t.raw", size, md5, buffer_size=MB, progress=grow)
    assert not (tmp_path / "t.raw").exists() and not temporary_path(tmp_path / "t.raw").exists()


def test_file_that_vanishes_during_the_copy_is_refused(tmp_path):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 4 * MB)

    def vanish(copied, total):
        if copied == MB:
            src.unlink()

    with pytest.raises(SourceChangedError, match="vanished while it was being copied"):
        copy_verified(src, tmp_path / "t.raw", size, md5, buffer_size=MB, progress=vanish)
    assert not (tmp_path / "t.raw").exists() and not temporary_path(tmp_path / "t.raw").exists()


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(SourceChangedError, match="vanished before it could be copied"):
        copy_verified(tmp_path / "nope.raw", tmp_path / "t.raw", 1, "x")


@pytest.fixture
def small_tmpfs(tmp_path):
    mountpoint = tmp_path / "full"
    mountpoint.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.decode().strip()}); see the fault-injection test")
    yield mountpoint
    subprocess.run(["umount", str(mountpoint)], check=True)


def test_backup_disk_full_on_a_real_small_filesystem(tmp_path, small_tmpfs):
    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 3 * MB)
    with pytest.raises(BackupDiskFullError, match="is full while copying.*free space on the backup pool"):
        copy_verified(src, small_tmpfs / "a.raw", size, md5, buffer_size=MB)
    assert os.listdir(small_tmpfs) == []  # neither the final name nor the temporary file is left


def test_backup_disk_full_by_fault_injection(tmp_path, monkeypatch):
    import errno

    import kraken_core.verified_copy as vc

    src = tmp_path / "a.raw"
    size, md5 = make_file(src, 2 * MB)

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(vc, "_write_all", full)
    with pytest.raises(BackupDiskFullError):
        copy_verified(src, tmp_path / "b" / "a.raw", size, md5, buffer_size=MB)
    assert os.listdir(tmp_path / "b") == []


def test_permission_denied_is_reported_for_an_unprivileged_worker(tmp_path):
    """A forked child drops to `nobody`: root reads everything, a lab's worker account does not."""
    import pwd

    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the unprivileged user")
    nobody = pwd.getpwnam("nobody")
    work = Path("/tmp") / f"kraken-perm-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        os.chmod(work, 0o777)
        src = work / "locked.raw"
        size, md5 = make_file(src, 1000)
        os.chmod(src, 0o000)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            code = 1
            try:
                os.close(read_end)
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
                try:
                    copy_verified(src, work / "out.raw", size, md5)
                    message = "copied"
                except CopyError as err:
                    message, code = f"CopyError: {err}", 3
                except Exception as err:  # noqa: BLE001 - reported to the parent
                    message = f"{type(err).__name__}: {err}"
                os.write(write_end, message.encode())
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            message = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 3, message
        assert "permission denied" in message and "locked.raw" in message
        assert not (work / "out.raw").exists()
    finally:
        subprocess.run(["rm", "-rf", str(work)], check=True)


def test_multipart_etag_follows_the_s3_rule(tmp_path):
    path = tmp_path / "x.bin"
    size, md5 = make_file(path, 12 * MB + 5)
    digest = file_digest(path, etag_part_size=5 * MB, buffer_size=3 * MB)
    data = path.read_bytes()
    parts = [hashlib.md5(data[i : i + 5 * MB]).digest() for i in range(0, len(data), 5 * MB)]
    assert digest.etag == f"{hashlib.md5(b''.join(parts)).hexdigest()}-3"
    assert digest.md5 == md5 and digest.size == size
    single = MultipartEtag(5 * MB)
    single.update(b"abc")
    assert single.hexdigest() == hashlib.md5(b"abc").hexdigest()
