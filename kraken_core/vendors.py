"""Vendor rules: which entries of an acquisition folder are raw files, their main file and their file set.

- Thermo: `NAME.raw`, the main file is the raw file itself; a failed acquisition is renamed `NAME_CORRUPTED.raw`.
- Bruker: folder `NAME.d`, main file `analysis.tdf_bin`; the whole tree belongs to the raw file.
- Sciex: `NAME.wiff` is the main file; every `NAME.*` sibling (`.wiff.scan`, `.wiff2`, `.timeseries.data`)
  belongs to it. A `.wiff.scan` of 144 bytes or less means the instrument is still converting (Zeno).

Only the top level of the folder is scanned, and the `Backup` folder never is. Links are never followed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from kraken_core.config.schema import Vendor
from kraken_core.safe_paths import UnsafePathError, check_plain_name, safe_join

BACKUP_FOLDER_NAME = "Backup"
BRUKER_MAIN_FILE = "analysis.tdf_bin"
SCIEX_CONVERTING_MAX_SCAN_SIZE = 144
THERMO_CORRUPTED_SUFFIX = "_CORRUPTED.raw"


Signature = tuple[int, ...]


@dataclass(frozen=True)
class RawEntry:
    """What one scan saw of a raw file: main file size (None while absent) and its modification time.

    `signature` tells two acquisitions under one name apart without reading them: the main file's size and
    modification time in nanoseconds, and for Sciex the `.wiff.scan` size (a re-acquisition may keep the small
    `.wiff`'s size). Empty while the main file is absent. `identity` is the main file's (st_dev, st_ino): the
    file every later read must open (`kraken_core.instrument_files`).
    """

    name: str
    main_size: int | None
    mtime: float
    converting: bool = False
    signature: Signature = ()
    identity: tuple[int, int] | None = None


def _lower_endswith(name: str, suffix: str) -> bool:
    return name.lower().endswith(suffix)


def main_file_relpath(vendor: Vendor, name: str) -> str:
    return f"{name}/{BRUKER_MAIN_FILE}" if vendor is Vendor.BRUKER else name


def is_failed_acquisition_name(vendor: Vendor, name: str) -> bool:
    return vendor is Vendor.THERMO and name.endswith(THERMO_CORRUPTED_SUFFIX)


def _stat_size(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None


def scan_instrument_folder(folder: Path, vendor: Vendor) -> dict[str, RawEntry]:
    """List the raw files at the top level of `folder` with their main-file sizes, one stat per raw file."""
    entries: dict[str, RawEntry] = {}
    sciex_siblings: list[os.DirEntry] = []
    with os.scandir(folder) as listing:
        for entry in listing:
            name = entry.name
            if name == BACKUP_FOLDER_NAME or entry.is_symlink():
                continue
            if vendor is Vendor.THERMO and _lower_endswith(name, ".raw") and entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                entries[name] = RawEntry(name, st.st_size, st.st_mtime, signature=(st.st_size, st.st_mtime_ns),
                                         identity=(st.st_dev, st.st_ino))
            elif vendor is Vendor.BRUKER and _lower_endswith(name, ".d") and entry.is_dir(follow_symlinks=False):
                main = _stat_size(Path(entry.path) / BRUKER_MAIN_FILE)
                folder_mtime = entry.stat(follow_symlinks=False).st_mtime
                if main is not None and stat.S_ISREG(main.st_mode):
                    entries[name] = RawEntry(name, main.st_size, max(main.st_mtime, folder_mtime),
                                             signature=(main.st_size, main.st_mtime_ns),
                                             identity=(main.st_dev, main.st_ino))
                else:
                    entries[name] = RawEntry(name, None, folder_mtime)
            elif vendor is Vendor.SCIEX and entry.is_file(follow_symlinks=False):
                if _lower_endswith(name, ".wiff"):
                    st = entry.stat(follow_symlinks=False)
                    entries[name] = RawEntry(name, st.st_size, st.st_mtime, signature=(st.st_size, st.st_mtime_ns, -1),
                                             identity=(st.st_dev, st.st_ino))
                else:
                    sciex_siblings.append(entry)
    if vendor is Vendor.SCIEX:
        for sibling in sciex_siblings:
            if _lower_endswith(sibling.name, ".wiff.scan"):
                owner = sibling.name[: -len(".scan")]
                if owner in entries:
                    size = sibling.stat(follow_symlinks=False).st_size
                    e = entries[owner]
                    entries[owner] = replace(e, converting=size <= SCIEX_CONVERTING_MAX_SCAN_SIZE,
                                             signature=(*e.signature[:2], size))
    return entries


def scan_raw_file(folder: Path, vendor: Vendor, name: str) -> RawEntry | None:
    """What a scan of the folder sees of one raw file now (None when it is gone), without listing the folder
    for Thermo and Bruker."""
    check_plain_name(name, "raw file name")
    if vendor is Vendor.SCIEX:
        return scan_instrument_folder(folder, vendor).get(name)
    path = folder / name
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if vendor is Vendor.THERMO:
        return RawEntry(name, st.st_size, st.st_mtime, signature=(st.st_size, st.st_mtime_ns),
                        identity=(st.st_dev, st.st_ino)) if stat.S_ISREG(st.st_mode) else None
    if not stat.S_ISDIR(st.st_mode):
        return None
    main = _stat_size(path / BRUKER_MAIN_FILE)
    if main is None or not stat.S_ISREG(main.st_mode):
        return RawEntry(name, None, st.st_mtime)
    return RawEntry(name, main.st_size, max(main.st_mtime, st.st_mtime), signature=(main.st_size, main.st_mtime_ns),
                    identity=(main.st_dev, main.st_ino))


def _sciex_stem(name: str) -> str:
    return name[: -len(".wiff")]


def raw_file_members(folder: Path, vendor: Vendor, name: str) -> list[str]:
    """All files of one raw file as paths relative to `folder`, sorted. Links and special files are refused."""
    base = safe_join(folder, name)
    if vendor is Vendor.THERMO:
        return [name]
    if vendor is Vendor.SCIEX:
        stem = _sciex_stem(name)
        other_stems = []
        members = []
        with os.scandir(folder) as listing:
            candidates = [e for e in listing if e.name.startswith(stem + ".") and e.name != BACKUP_FOLDER_NAME]
        for entry in candidates:
            if _lower_endswith(entry.name, ".wiff") and entry.name != name:
                other_stems.append(_sciex_stem(entry.name))
        for entry in candidates:
            if entry.is_symlink():
                raise UnsafePathError(f"refusing {entry.path}: it is a link, and links are never followed")
            if not entry.is_file(follow_symlinks=False):
                continue
            # A sibling belongs to the longest raw-file stem it starts with (`A.1.wiff.scan` is not `A.wiff`'s).
            if any(len(o) > len(stem) and entry.name.startswith(o + ".") for o in other_stems):
                continue
            members.append(entry.name)
        return sorted(members)
    members = []
    for root, dirs, files in os.walk(base, followlinks=False):
        root_path = Path(root)
        for d in dirs:
            if (root_path / d).is_symlink():
                raise UnsafePathError(f"refusing {root_path / d}: it is a link, and links are never followed")
        for f in files:
            path = root_path / f
            st = os.stat(path, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                raise UnsafePathError(f"refusing {path}: it is a link, and links are never followed")
            if stat.S_ISREG(st.st_mode):
                members.append(str(path.relative_to(folder)))
    return sorted(members)
