"""Copy one file to the backup pool, verified byte for byte, never leaving a half file that looks complete.

The instrument file is read once (`stage_copy`): each chunk is hashed (md5, and the S3 ETag when asked) while
a second thread writes it to a temporary name beside the target; that same read gives the checksums the
record keeps. The copy is synced to the disk window by window and read back from the disk behind the writer
(`kraken_core.read_back`), so a staged copy is proven identical when staging ends. `promote_staged` renames it
to its final name when it matches the record, re-reading it first unless it still carries the read-back mark
(unchanged since). An identical existing copy is skipped; a different one is never overwritten unless asked,
and then it is kept under a `.bkp` name. `copy_verified` does both in one call.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kraken_core.checksum import DEFAULT_BUFFER, FileDigest, MultipartEtag, file_digest
from kraken_core.instrument_files import (
    InstrumentFile,
    SwappedInstrumentFileError,
    as_instrument_file,
    identity_of,
)
from kraken_core.read_back import ReadBack, carries_mark, mark_verified, write_out

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


class SourceVanishedError(SourceChangedError):
    """The instrument file disappeared before or while it was being copied."""


class StagedCopyMismatchError(CopyError):
    """The staged copy read back from disk does not match the record."""


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


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


SYNC_WINDOW = 64 * 1024 * 1024


class _SyncedWriter:
    """Writes chunks in order; a thread of its own syncs what was written to the disk, `SYNC_WINDOW` bytes or
    more at a time, and hands each synced range to the read-back, so writing never waits for the disk."""

    def __init__(self, fd: int, read_back: ReadBack) -> None:
        self.fd, self.read_back = fd, read_back
        self.written = self.synced = 0
        self._finished = False
        self._changed = threading.Condition()
        self._syncer = ThreadPoolExecutor(max_workers=1)
        self._syncing = self._syncer.submit(self._sync_loop)

    def write(self, chunk: memoryview) -> None:
        _write_all(self.fd, chunk)
        with self._changed:
            self.written += len(chunk)
            self._changed.notify()

    def _sync_loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._finished or self.written - self.synced >= SYNC_WINDOW)
                upto, last = self.written, self._finished
            write_out(self.fd, self.synced, upto)
            if upto > self.synced:
                self.read_back.add(self.synced, upto)
            self.synced = upto
            if last:
                return

    def finish(self) -> None:
        """Sync the rest and wait until every written byte is on the disk and handed to the read-back."""
        with self._changed:
            self._finished = True
            self._changed.notify()
        try:
            self._syncing.result()
        finally:
            self._syncer.shutdown(wait=True)


def _stream_copy(
    source: InstrumentFile, src: BinaryIO, tmp: Path, buffer_size: int, progress: ProgressCallback | None,
    etag_part_size: int | None,
) -> FileDigest:
    """Read, hash and write in a pipeline: chunk i is hashed and written while chunk i+1 is being read, and the
    written copy is read back from the disk behind the writer (`ReadBack`).

    Three buffers rotate; a buffer is read into again only after its write has finished (writes run in order
    on one thread). Raises StagedCopyMismatchError when what the disk gives back differs from what was read.
    """
    md5 = hashlib.md5()
    etag = MultipartEtag(etag_part_size) if etag_part_size else None
    total = os.fstat(src.fileno()).st_size
    copied = 0
    buffers = [bytearray(buffer_size) for _ in range(3)]
    out_fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    read_back = ReadBack(tmp, buffer_size)
    sink = _SyncedWriter(out_fd, read_back)
    try:
        with (
            ThreadPoolExecutor(max_workers=1) as reader,
            ThreadPoolExecutor(max_workers=1) as writer,
            ThreadPoolExecutor(max_workers=1) as part_hasher,
        ):
            i = 0
            next_read = reader.submit(src.readinto, buffers[0])
            last_write = None
            while n := next_read.result():
                chunk = memoryview(buffers[i % 3])[:n]
                if last_write is not None:
                    last_write.result()  # frees the buffer the next read goes into
                next_read = reader.submit(src.readinto, buffers[(i + 1) % 3])
                last_write = writer.submit(sink.write, chunk)
                part_hashes = part_hasher.submit(etag.update, chunk) if etag is not None else None
                md5.update(chunk)
                if part_hashes is not None:
                    part_hashes.result()
                copied += n
                i += 1
                if progress is not None:
                    progress(copied, total)
            if last_write is not None:
                last_write.result()
        sink.finish()
        os.fsync(out_fd)
        read_size, read_md5 = read_back.result()
        if read_size != copied or read_md5 != md5.hexdigest():
            raise StagedCopyMismatchError(
                f"the copy {tmp} of {source} read back from the disk differs from what was read from the "
                f"instrument file ({read_size} bytes, md5 {read_md5}; read {copied} bytes, md5 {md5.hexdigest()}); "
                f"check the backup storage, then re-materialize the partition"
            )
        mark_verified(out_fd, read_md5)
    finally:
        with suppress(OSError):
            sink.finish()  # after an error too: the sync thread must end
        read_back.close()
        os.close(out_fd)
    return FileDigest(copied, md5.hexdigest(), etag.hexdigest() if etag else None, identity_of(os.fstat(src.fileno())))


def _raise_write_error(err: OSError, source: Path, tmp: Path, size: int) -> None:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        free = _free_bytes(tmp.parent)
        raise BackupDiskFullError(
            f"backup location {tmp.parent} is full while copying {source} "
            f"({size} bytes needed, {free if free is not None else 'unknown'} bytes free); "
            f"free space on the backup pool, then re-materialize the partition"
        ) from err
    if err.errno in (errno.EACCES, errno.EPERM):
        raise CopyError(f"permission denied copying {source} to {tmp}: {err.strerror}; fix the permissions") from err
    raise CopyError(f"copying {source} to {tmp} failed: {err}") from err


def stage_copy(
    source: Path | InstrumentFile,
    target: Path,
    *,
    etag_part_size: int | None = None,
    buffer_size: int = DEFAULT_BUFFER,
    progress: ProgressCallback | None = None,
) -> FileDigest:
    """Read `source` once into the temporary name of `target`, returning size, md5 (and ETag) of what was read.

    Raises SourceChangedError when the file changes, grows or vanishes during the read, and
    SwappedInstrumentFileError (before anything is read) when it is a link or not the registered file; no
    temporary file is left behind on any error.
    """
    source = as_instrument_file(source)
    try:
        with source.open() as src:
            before = os.fstat(src.fileno())
            target.parent.mkdir(parents=True, exist_ok=True)
            return _stage_from(source, src, before, target, etag_part_size, buffer_size, progress)
    except FileNotFoundError:
        raise SourceVanishedError(f"instrument file {source} vanished before it could be copied") from None
    except PermissionError as err:
        raise CopyError(
            f"permission denied reading instrument file {source}: give the worker account read access"
        ) from err


def _stage_from(
    source: InstrumentFile, src: BinaryIO, before: os.stat_result, target: Path, etag_part_size: int | None,
    buffer_size: int, progress: ProgressCallback | None,
) -> FileDigest:
    tmp = temporary_path(target)
    try:
        try:
            digest = _stream_copy(source, src, tmp, buffer_size, progress, etag_part_size)
        except PermissionError as err:
            if not os.access(source.path, os.R_OK):
                raise CopyError(
                    f"permission denied reading instrument file {source}: give the worker account read access"
                ) from err
            _raise_write_error(err, source, tmp, before.st_size)
        except OSError as err:
            _raise_write_error(err, source, tmp, before.st_size)
        try:
            after = os.stat(source.path, follow_symlinks=False)
        except FileNotFoundError:
            raise SourceVanishedError(
                f"instrument file {source} vanished while it was being copied; the partial copy was removed"
            ) from None
        if identity_of(after) != identity_of(before):
            raise SwappedInstrumentFileError(
                f"instrument file {source} was replaced while it was being copied (now device {after.st_dev}, "
                f"inode {after.st_ino}, not device {before.st_dev}, inode {before.st_ino}); the partial copy was "
                f"removed. Find out who replaced it on the instrument share, then re-materialize the partition"
            )
        if after.st_size != before.st_size or after.st_mtime_ns != before.st_mtime_ns or digest.size != after.st_size:
            raise SourceChangedError(
                f"instrument file {source} changed while it was being copied ({before.st_size} bytes at the start, "
                f"{digest.size} read, {after.st_size} now); the partial copy was removed. "
                f"It is copied again once its size has been stable for the stability window"
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise BackupConflictError(f"backup path {target} exists and is not a regular file; move it away and retry")


def _conflict(target: Path, existing: FileDigest, source_label: str, size: int, md5: str) -> BackupConflictError:
    return BackupConflictError(
        f"backup copy {target} differs from the instrument file {source_label} "
        f"(backup: {existing.size} bytes, md5 {existing.md5}; instrument file: {size} bytes, md5 {md5}); "
        f"it was not overwritten. To replace it, set overwrite for this file or overwrite_backup for the "
        f"instrument; the old copy is then kept as {target.name}.bkp"
    )


def promote_staged(
    target: Path, expected_size: int, expected_md5: str, *, overwrite: bool = False,
    buffer_size: int = DEFAULT_BUFFER, source_label: str = "",
) -> CopyResult:
    """Give the staged copy of `target` its final name when it matches the record: proven by its read-back mark
    (read back from the disk while staging, unchanged since), else by re-reading it."""
    started = time.monotonic()
    tmp = temporary_path(target)
    try:
        _check_target(target)
        read_back_while_staging = carries_mark(tmp, expected_md5)
        verify = (FileDigest(expected_size, expected_md5) if read_back_while_staging
                  else file_digest(tmp, buffer_size=buffer_size))
        if tmp.stat().st_size != expected_size or verify.size != expected_size or verify.md5 != expected_md5:
            raise StagedCopyMismatchError(
                f"written copy {tmp} of {source_label or target.name} does not match the record (copy: {verify.size} "
                f"bytes, md5 {verify.md5}; record: {expected_size} bytes, md5 {expected_md5}); "
                f"check the backup storage, then re-materialize the partition"
            )
        kept_old = None
        if target.exists():
            existing = file_digest(target, buffer_size=buffer_size)
            if existing.size == expected_size and existing.md5 == expected_md5:
                return CopyResult(target, existing.size, existing.md5, time.monotonic() - started, skipped=True)
            if not overwrite:
                raise _conflict(target, existing, source_label or target.name, expected_size, expected_md5)
            kept_old = _unique_bkp(target)
            os.rename(target, kept_old)
        os.rename(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return CopyResult(target, expected_size, expected_md5, time.monotonic() - started, kept_old_copy=kept_old)


def copy_verified(
    source: Path | InstrumentFile,
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
    _check_target(target)
    if target.exists():
        existing = file_digest(target, buffer_size=buffer_size)
        if existing.size == expected_size and existing.md5 == expected_md5:
            return CopyResult(target, existing.size, existing.md5, time.monotonic() - started, skipped=True)
        if not overwrite:
            raise _conflict(target, existing, str(source), expected_size, expected_md5)
    digest = stage_copy(source, target, buffer_size=buffer_size, progress=progress)
    if digest.size != expected_size or digest.md5 != expected_md5:
        temporary_path(target).unlink(missing_ok=True)
        raise SourceChangedError(
            f"instrument file {source} read as {digest.size} bytes with md5 {digest.md5} during the copy, but "
            f"{expected_size} bytes with md5 {expected_md5} were checksummed; it changed after the checksum. "
            f"It is checksummed and copied again once its size has been stable for the stability window"
        )
    result = promote_staged(target, expected_size, expected_md5, overwrite=overwrite, buffer_size=buffer_size,
                            source_label=str(source))
    return CopyResult(target, result.size, result.md5, time.monotonic() - started, kept_old_copy=result.kept_old_copy)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
