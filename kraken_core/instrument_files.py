"""Open instrument files without following links, and only when they are the files the scan registered.

A file name on an instrument share can be replaced at any moment by whoever can write the share: by a symbolic
link to another file (`/etc/shadow`, another lab's data) or by another file under the same name. Every read
of an instrument file therefore walks its path one component at a time from the instrument folder with
`O_NOFOLLOW` (no link anywhere, also not inside a Bruker `.d` folder), checks with `fstat` that it opened a
regular file, and, when the record holds the file's identity (device and inode as the watcher or the checksum
step saw it), that it is that same file. A refused file is never read, so its target is never copied.
Records without a stored identity (older records, AlphaKraken's) are opened with the link and type checks only.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from kraken_core.safe_paths import UnsafePathError

FileIdentity = tuple[int, int]  # (st_dev, st_ino)

# What to do about a refused instrument file; the same words are in docs/operations.md.
SWAPPED_FIX = (
    "find out who replaced it on the instrument share; put the acquisition back under its name (or remove what "
    "is there) and re-materialize the partition. If it is the genuine file (the share was remounted with other "
    "inode numbers, or the file was restored from a copy), clear the raw file's recorded identity "
    "(acquisition_inode and file_inodes in its raw_file record) first"
)


class SwappedInstrumentFileError(UnsafePathError):
    """An instrument file is a link, not a regular file, or not the file that was registered."""


def identity_of(st: os.stat_result) -> FileIdentity:
    return (st.st_dev, st.st_ino)


def _describe(st: os.stat_result) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((label for check, label in kinds if check(st.st_mode)), "a special file")


def _link_found(path: Path, expected: str) -> SwappedInstrumentFileError:
    try:
        target = os.readlink(path)
    except OSError:
        target = "an unreadable target"
    return SwappedInstrumentFileError(
        f"refusing instrument file {path}: expected {expected}, found a symbolic link to {target}; "
        f"links are never followed, so its target was not read or copied. To fix: {SWAPPED_FIX}"
    )


@dataclass(frozen=True)
class InstrumentFile:
    """One file of a raw file: its path relative to the instrument folder, and the identity the record holds."""

    folder: Path
    relpath: str
    expected: FileIdentity | None = None

    @property
    def path(self) -> Path:
        return self.folder / self.relpath

    def __str__(self) -> str:
        return str(self.path)

    def _expected_text(self) -> str:
        if self.expected is None:
            return "a regular file"
        return f"the regular file registered for it (device {self.expected[0]}, inode {self.expected[1]})"

    def _open_parts(self) -> int:
        """The descriptor of the file, reached component by component with O_NOFOLLOW."""
        parts = PurePosixPath(self.relpath).parts
        if not parts or PurePosixPath(self.relpath).is_absolute() or any(p in {"", ".", ".."} for p in parts):
            raise UnsafePathError(f"refusing path {self.relpath!r}: it must stay inside {self.folder}")
        folder_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            walked = self.folder
            for part in parts[:-1]:
                walked = walked / part
                try:
                    fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder_fd)
                except OSError as err:
                    if err.errno in (errno.ELOOP, errno.ENOTDIR) and walked.is_symlink():
                        raise _link_found(walked, f"a folder of {self.path}") from None
                    raise
                os.close(folder_fd)
                folder_fd = fd
            try:
                return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
            except OSError as err:
                if err.errno == errno.ELOOP:
                    raise _link_found(self.path, self._expected_text()) from None
                raise
        finally:
            os.close(folder_fd)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The opened file; raises SwappedInstrumentFileError before anything is read when it is not the one."""
        fd = self._open_parts()
        try:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode):
                raise SwappedInstrumentFileError(
                    f"refusing instrument file {self.path}: expected {self._expected_text()}, found "
                    f"{_describe(found)}; it was not read or copied. To fix: {SWAPPED_FIX}"
                )
            if self.expected is not None and identity_of(found) != tuple(self.expected):
                raise SwappedInstrumentFileError(
                    f"refusing instrument file {self.path}: expected {self._expected_text()}, found another file "
                    f"under that name (device {found.st_dev}, inode {found.st_ino}, {found.st_size} bytes); it "
                    f"was swapped after registration and was not read or copied. To fix: {SWAPPED_FIX}"
                )
            os.set_blocking(fd, True)
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "rb", buffering=0) as handle:
            yield handle


def as_instrument_file(source: Path | InstrumentFile) -> InstrumentFile:
    """A plain path is opened the same way, from its own folder (its last component must not be a link)."""
    return source if isinstance(source, InstrumentFile) else InstrumentFile(source.parent, source.name)


def refuse_link(path: Path, expected: str) -> None:
    """Raise SwappedInstrumentFileError when `path` is a symbolic link (the scan does not see links)."""
    if path.is_symlink():
        raise _link_found(path, expected)
