"""The files of a raw file as they are on the instrument right now, and their comparison with the record."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kraken_core.checksum import file_digest
from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.paths import acquisition_path, deleteme_path, moved_path, top_entries
from kraken_core.raw_file_backup import FileInfo, RawFileLocation
from kraken_core.statuses import InstrumentFileStatus

Locator = Callable[[KrakenConfig, RawFileLocation, str], Path]


@dataclass(frozen=True)
class PresentFile:
    rel: str
    path: Path
    size: int
    signature: tuple[int, int, int]


def signature_of(st: os.stat_result) -> tuple[int, int, int]:
    """Identity of a file's content as far as a stat can tell: inode, size and modification time."""
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def current_locators(doc: dict) -> list[Locator]:
    """Where the files are by the record: moved into `Backup/` or still in the acquisition folder; `.deleteme`
    leftovers of an identical copy are always looked for."""
    moved = doc.get("instrument_file_status") == str(InstrumentFileStatus.MOVED)
    return [moved_path if moved else acquisition_path, deleteme_path]


def _collect(top: str, top_path: Path, file_info: FileInfo, present: list[PresentFile], problems: list[str]) -> None:
    st = os.lstat(top_path)
    if stat.S_ISREG(st.st_mode):
        if top in file_info:
            present.append(PresentFile(top, top_path, st.st_size, signature_of(st)))
        else:
            problems.append(f"{top_path} is a file, but the record lists a folder {top}")
        return
    if not stat.S_ISDIR(st.st_mode):
        problems.append(f"{top_path} is neither a file nor a folder; refusing to touch it")
        return
    for root, dirs, files in os.walk(top_path, followlinks=False):
        for name in dirs + files:
            path = Path(root) / name
            entry = os.lstat(path)
            if stat.S_ISLNK(entry.st_mode):
                problems.append(f"{path} is a link; links are never followed or deleted")
            elif name in files and not stat.S_ISREG(entry.st_mode):
                problems.append(f"{path} is not a regular file; refusing to touch it")
            elif name in files:
                rel = str(PurePosixPath(top) / Path(path).relative_to(top_path).as_posix())
                if rel in file_info:
                    present.append(PresentFile(rel, path, entry.st_size, signature_of(entry)))
                else:
                    problems.append(f"{path} is not in the record, so it has no backup")


def present_files(
    config: KrakenConfig, raw: RawFileLocation, file_info: FileInfo, locators: Iterable[Locator]
) -> tuple[list[PresentFile], list[str]]:
    """Every file of the raw file found at these locations, and what is wrong (links, files not in the record)."""
    present: list[PresentFile] = []
    problems: list[str] = []
    for locate in locators:
        for top in top_entries(file_info):
            top_path = locate(config, raw, top)
            if top_path.is_symlink():
                problems.append(f"{top_path} is a link; links are never followed or deleted")
            elif top_path.exists():
                _collect(top, top_path, file_info, present, problems)
    return present, problems


def differences_from_record(files: Iterable[PresentFile], file_info: FileInfo) -> list[str]:
    """Size first (cheap), then md5 of every file; an empty list means each file is the one recorded."""
    problems = []
    for item in files:
        size, md5, *_ = file_info[item.rel]
        if item.size != size:
            problems.append(f"instrument file {item.path}: {item.size} bytes, the record says {size}")
            continue
        digest = file_digest(item.path)
        if digest.size != size or digest.md5 != md5:
            problems.append(f"instrument file {item.path}: md5 {digest.md5} != recorded {md5}")
    return problems
