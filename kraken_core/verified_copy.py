"""Copy one file to the backup pool, verified byte for byte, never leaving a half file that looks complete.

The source is read once: each chunk is hashed while a second thread writes it to a temporary name beside
the target. The written copy is then re-read from disk and hashed; only when size and md5 match the
instrument file's record is it renamed to its final name. An identical existing copy is skipped; a
different one is never overwritten unless asked, and then it is kept under a `.bkp` name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kraken_core.checksum import DEFAULT_BUFFER, file_digest

ProgressCallback = Callable[[int, int], None]
TMP_SUFFIX = ".kraken-tmp"


class CopyError(RuntimeError):
    """A copy that did not produce a verified backup; the message says what happened and what to do."""


class BackupConflictError(CopyError):
    """A different file already sits at the backup path."""


class BackupDiskFullError(CopyError):
    """The backup location ran out of space."""


class SourceChangedError(CopyError):
    """The instrument file changed, grew or vanished while it was being copied."""


@dataclass(frozen=True)
class CopyResult:
    target: Path
    size: int
    md5: str
    seconds: float
    skipped: bool = False
    kept_old_copy: Path | None = None

    @property
    def mb_per_s(self) -> float:
        return (self.size / 1e6) / self.seconds if self.seconds > 0 and not self.skipped else 0.0


def temporary_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{TMP_SUFFIX}")


def _free_bytes(folder: Path) -> int | None:
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _unique_bkp(target: Path) -> Path:
    candidate = target.with_name(target.name + ".bkp")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.bkp{n}")
        n += 1
    return candidate


def _drop_from_cache(fd: int) -> None:
    """Ask the kernel to forget cached pages so the verification read comes from the disk, where it can."""
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except (AttributeError, OSError):
        pass


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _stream_copy(
    source: Path, tmp: Path, total: int, buffer_size: int, progress: ProgressCallback | None
) -> tuple[int, str]:
    md5 = hashlib.md5()
    copied = 0
    buffers = [bytearray(buffer_size), bytearray(buffer_size)]
    out_fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with open(source, "rb", buffering=0) as src, ThreadPoolExecutor(max_workers=1) as writer:
            pending = None
            turn = 0
            while True:
                buffer = buffers[turn]
                n = src.readinto(buffer)
                if not n:
                    break
                chunk = memoryview(buffer)[:n]
                if pending is not None:
                    pending.result()
                pending = writer.submit(_write_all, out_fd, chunk)
                md5.update(chunk)
                copied += n
                turn ^= 1
                if progress is not None:
                    progress(copied, total)
            if pending is not None:
                pending.result()
        os.fsync(out_fd)
        _drop_from_cache(out_fd)
    finally:
        os.close(out_fd)
    return copied, md5.hexdigest()


def copy_verified(
    source: Path,
    target: Path,
    expected_size: int,
    expected_md5: str,
    *,
    overwrite: bool = False,
    buffer_size: int = DEFAULT_BUFFER,
    progress: ProgressCallback | None = None,
) -> CopyResult:
    """Copy `source` to `target` and prove the copy identical to the recorded size and md5."""
    started = time.monotonic()
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise BackupConflictError(f"backup path {target} exists and is not a regular file; move it away and retry")
    kept_old: Path | None = None
    if target.exists():
        existing = file_digest(target, buffer_size=buffer_size)
        if existing.size == expected_size and existing.md5 == expected_md5:
            return CopyResult(target, existing.size, existing.md5, time.monotonic() - started, skipped=True)
        if not overwrite:
            raise BackupConflictError(
                f"backup copy {target} differs from the instrument file {source} "
                f"(backup: {existing.size} bytes, md5 {existing.md5}; instrument file: {expected_size} bytes, "
                f"md5 {expected_md5}); it was not overwritten. To replace it, set overwrite for this file or "
                f"overwrite_backup for the instrument; the old copy is then kept as {target.name}.bkp"
            )
    try:
        before = os.stat(source)
    except FileNotFoundError:
        raise SourceChangedError(f"instrument file {source} vanished before it could be copied") from None
    if before.st_size != expected_size:
        raise SourceChangedError(
            f"instrument file {source} is {before.st_size} bytes now, but {expected_size} bytes were checksummed; "
            f"it changed after the checksum. Re-materialize the partition to checksum and copy it again"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(target)
    try:
        try:
            copied, copy_md5 = _stream_copy(source, tmp, expected_size, buffer_size, progress)
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EDQUOT):
                free = _free_bytes(target.parent)
                raise BackupDiskFullError(
                    f"backup location {target.parent} is full while copying {source} "
                    f"({expected_size} bytes needed, {free if free is not None else 'unknown'} bytes free); "
                    f"free space on the backup pool, then re-materialize the partition"
                ) from err
            if err.errno in (errno.EACCES, errno.EPERM):
                raise CopyError(f"permission denied copying {source} to {tmp}: {err.strerror}; fix the permissions") from err
            raise CopyError(f"copying {source} to {tmp} failed: {err}") from err
        try:
            after = os.stat(source)
        except FileNotFoundError:
            raise SourceChangedError(
                f"instrument file {source} vanished while it was being copied; the partial copy was removed"
            ) from None
        if after.st_size != before.st_size or after.st_mtime_ns != before.st_mtime_ns or copied != expected_size:
            raise SourceChangedError(
                f"instrument file {source} changed while it was being copied ({expected_size} bytes expected, "
                f"{copied} read, {after.st_size} now); the partial copy was removed. "
                f"Re-materialize the partition once the instrument has finished writing it"
            )
        if copy_md5 != expected_md5:
            raise SourceChangedError(
                f"instrument file {source} read with md5 {copy_md5} during the copy, but its checksum was "
                f"{expected_md5}; it changed after the checksum. Re-materialize the partition"
            )
        verify = file_digest(tmp, buffer_size=buffer_size)
        if verify.size != expected_size or verify.md5 != expected_md5:
            raise CopyError(
                f"written copy {tmp} does not match {source} (copy: {verify.size} bytes, md5 {verify.md5}; "
                f"source: {expected_size} bytes, md5 {expected_md5}); check the backup storage, then retry"
            )
        if target.exists():
            kept_old = _unique_bkp(target)
            os.rename(target, kept_old)
        os.rename(tmp, target)
        _fsync_dir(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()
    return CopyResult(target, expected_size, expected_md5, time.monotonic() - started, kept_old_copy=kept_old)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
