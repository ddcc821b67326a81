"""Read a copy back from the disk while it is being written, so that a backup's verification costs no extra pass.

The writer syncs each window of the copy to the disk (`fdatasync`) and hands its byte range to a `ReadBack`,
which drops that range from the page cache and reads it back from the disk on a thread of its own, hashing it.
When the last window is read, the md5 of what the disk holds is known, as if the whole copy had been re-read
after an fsync, but overlapped with the copy itself (the source hash and the read-back hash run on two cores).

A copy verified this way carries a mark (an extended attribute with its md5, size, mtime and inode); a later
step may skip re-reading it only while the file still has exactly that size, mtime and inode. Where the
filesystem keeps no extended attributes, there is no mark and the later step re-reads the copy.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

MARK = "user.kraken.verified"
_WAIT_BEFORE, _WRITE, _WAIT_AFTER = 1, 2, 4


def _load_sync_file_range():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return function


_sync_file_range = _load_sync_file_range()


def write_out(fd: int, start: int, end: int) -> None:
    """Put bytes [start, end) of the file on the disk and wait for them: only that range where the kernel
    offers it (Linux `sync_file_range`, so the writer is not chased), else the whole file's data. The file's
    fsync at the end still makes everything durable."""
    if _sync_file_range is not None and _sync_file_range(fd, start, end - start, _WAIT_BEFORE | _WRITE | _WAIT_AFTER) == 0:
        return
    os.fdatasync(fd)


class ReadBack:
    """Hash the ranges of `path` handed to `add`, in order, each read from the disk after dropping it from cache."""

    def __init__(self, path: Path, buffer_size: int) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._buffer = bytearray(buffer_size)
        self._md5 = hashlib.md5()
        self._size = 0
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: Future | None = None

    def add(self, start: int, end: int) -> None:
        """Read back [start, end) once the thread is free; ranges must follow each other."""
        self._pending = self._pool.submit(self._read, start, end)

    def _read(self, start: int, end: int) -> None:
        if start != self._size:
            raise RuntimeError(f"read-back ranges out of order: {start} after {self._size}")
        try:
            os.posix_fadvise(self._fd, start, end - start, os.POSIX_FADV_DONTNEED)
        except (AttributeError, OSError):
            pass
        view = memoryview(self._buffer)
        offset = start
        while offset < end:
            n = os.preadv(self._fd, [view[: min(len(view), end - offset)]], offset)
            if n == 0:
                raise OSError(f"copy ended at {offset} bytes while reading it back, {end} were written")
            self._md5.update(view[:n])
            offset += n
        self._size = end

    def result(self) -> tuple[int, str]:
        """Size and md5 of everything read back (waits for the last range)."""
        self._pool.shutdown(wait=True)
        if self._pending is not None:
            self._pending.result()
        return self._size, self._md5.hexdigest()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        os.close(self._fd)


def _identity(fd: int) -> str:
    st = os.fstat(fd)
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_dev}:{st.st_ino}"


def mark_verified(fd: int, md5: str) -> None:
    """Mark the file open at `fd` as read back with `md5`; silently nothing where xattrs are not kept."""
    try:
        os.setxattr(fd, MARK, f"{md5}:{_identity(fd)}".encode())
    except (AttributeError, OSError):
        pass


def carries_mark(path: Path, md5: str) -> bool:
    """True when `path` was read back with `md5` and has not changed (size, mtime, inode) since."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        mark = os.getxattr(fd, MARK).decode()
        return mark == f"{md5}:{_identity(fd)}"
    except (AttributeError, OSError, UnicodeDecodeError):
        return False
    finally:
        os.close(fd)
