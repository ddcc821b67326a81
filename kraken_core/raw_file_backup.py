"""Checksum a raw file's instrument files and back them up to the pool, verified; plain functions.

The instrument share is read once per file: `checksum_raw_file` streams each file into its temporary name in
the backup pool while hashing it (`stage=True`), and `backup_raw_file` re-reads that staged copy, compares it
with the recorded md5 and renames it into place. Without a staged copy (backup pool down at checksum time, an
existing backup, a rerun), `backup_raw_file` copies and verifies from the instrument file instead.

Backup layout: `<backup>/<instrument>/<YYYY_MM>/<raw_file_id>` where a collision prefix, if any, goes in
front of each file's path relative to the instrument folder (so a Bruker `X.d` tree keeps its shape and a
Sciex `X.wiff` keeps its `X.wiff.scan` beside it).

Instrument files are opened through `kraken_core.instrument_files`: never through a link, and only when they are
the files the watcher registered (`acquisition_inode`, the main file) and the checksum read (`file_inodes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kraken_core.checksum import FileDigest, file_digest
from kraken_core.config.schema import KrakenConfig, Vendor
from kraken_core.instrument_files import FileIdentity, InstrumentFile, refuse_link
from kraken_core.safe_paths import check_plain_name, safe_join
from kraken_core.vendors import Signature, main_file_relpath, raw_file_members, scan_raw_file
from kraken_core.verified_copy import (
    CopyResult,
    ProgressCallback,
    SourceChangedError,
    StagedCopyMismatchError,
    copy_verified,
    promote_staged,
    stage_copy,
    temporary_path,
)

FileInfo = dict[str, list]


class RawFileGoneError(RuntimeError):
    """The instrument files of a raw file are not where the record says."""


@dataclass(frozen=True)
class RawFileLocation:
    raw_file_id: str
    original_name: str
    instrument_id: str
    collision_flag: str | None
    created_at: datetime
    acquisition_inode: FileIdentity | None = None  # the main file as the watcher saw it when it finished
    file_inodes: dict[str, FileIdentity] | None = None  # every file as the checksum read it

    @classmethod
    def from_doc(cls, doc: dict) -> RawFileLocation:
        main = doc.get("acquisition_inode")
        inodes = {rel: tuple(identity) for rel, identity in (doc.get("file_inodes") or {}).items()}
        return cls(doc["_id"], doc["original_name"], doc["instrument_id"], doc.get("collision_flag"), doc["created_at"],
                   tuple(main) if main else None, inodes or None)

    def instrument_file(self, folder: Path, vendor: Vendor, relpath: str) -> InstrumentFile:
        """One file of this raw file, with the identity it must have; none is known for older records."""
        expected = (self.file_inodes or {}).get(relpath)
        if expected is None and relpath == main_file_relpath(vendor, self.original_name):
            expected = self.acquisition_inode
        safe_join(folder, relpath)
        return InstrumentFile(folder, relpath, expected)


def backup_base_path(config: KrakenConfig, raw: RawFileLocation) -> Path:
    check_plain_name(raw.instrument_id, "instrument id")
    return config.locations.backup.path / raw.instrument_id / raw.created_at.strftime("%Y_%m")


def backup_relpath(raw: RawFileLocation, relpath: str) -> str:
    return f"{raw.collision_flag or ''}{relpath}"


@dataclass(frozen=True)
class Checksummed:
    file_info: FileInfo
    size: int
    signature: Signature  # what the watcher sees of the version that was read (see vendors.RawEntry)
    inodes: dict[str, list[int]]  # (st_dev, st_ino) of every file that was read, for `file_inodes`


def checksum_raw_file(
    config: KrakenConfig,
    raw: RawFileLocation,
    etag_part_size: int | None = None,
    *,
    stage: bool = False,
    progress: ProgressCallback | None = None,
) -> tuple[FileInfo, int]:
    """`{relative path: [size, md5]}` (plus the S3 ETag when asked) of every file, and the total size."""
    done = checksum_acquisition(config, raw, etag_part_size, stage=stage, progress=progress)
    return done.file_info, done.size


def checksum_acquisition(
    config: KrakenConfig,
    raw: RawFileLocation,
    etag_part_size: int | None = None,
    *,
    stage: bool = False,
    progress: ProgressCallback | None = None,
) -> Checksummed:
    """Checksum every file of the raw file, and say which version of it was read.

    With `stage`, each file whose backup does not exist yet is copied to its temporary backup name in the
    same read. Raises SourceChangedError when the raw file changed while it was read.
    """
    instrument = config.instruments.get(raw.instrument_id)
    if instrument is None:
        raise RawFileGoneError(
            f"raw file {raw.raw_file_id} belongs to instrument {raw.instrument_id!r}, "
            f"which is not in the configuration; add it back or mark the raw file ignored"
        )
    folder = config.instrument_folder(raw.instrument_id)
    check_plain_name(raw.original_name, "raw file name")
    before = scan_raw_file(folder, instrument.type, raw.original_name)
    if before is None:
        refuse_link(folder / raw.original_name, f"the raw file {raw.raw_file_id} the watcher registered")
        raise RawFileGoneError(
            f"instrument file {folder / raw.original_name} of raw file {raw.raw_file_id} is gone "
            f"(moved, renamed or deleted on the instrument PC); find it and put it back, then re-materialize"
        )
    base = backup_base_path(config, raw)
    buffer_size = config.backup.copy_buffer_mb * 1024 * 1024
    info: FileInfo = {}
    inodes: dict[str, list[int]] = {}
    total = 0
    for rel in raw_file_members(folder, instrument.type, raw.original_name):
        path = raw.instrument_file(folder, instrument.type, rel)
        target = safe_join(base, backup_relpath(raw, rel))
        try:
            if stage and not target.exists():
                digest = stage_copy(path, target, etag_part_size=etag_part_size, buffer_size=buffer_size,
                                    progress=progress)
            else:
                digest = file_digest(path, etag_part_size=etag_part_size, buffer_size=buffer_size)
        except PermissionError as err:
            raise PermissionError(
                f"permission denied reading instrument file {path}; give the worker account read access "
                f"to the instrument share, then re-materialize"
            ) from err
        except FileNotFoundError as err:
            raise RawFileGoneError(
                f"instrument file {path} vanished while it was being checksummed; find it, then re-materialize"
            ) from err
        info[rel] = _info_row(digest)
        inodes[rel] = list(digest.identity)
        total += digest.size
    after = scan_raw_file(folder, instrument.type, raw.original_name)
    if after is None or after.signature != before.signature:
        for rel in info if stage else ():
            temporary_path(safe_join(base, backup_relpath(raw, rel))).unlink(missing_ok=True)
        raise SourceChangedError(
            f"raw file {folder / raw.original_name} changed while it was being checksummed "
            f"({before.main_size} bytes at the start, {after.main_size if after else 'gone'} now); the staged "
            f"copy was removed. It is copied again once its size has been stable for the stability window"
        )
    return Checksummed(info, total, before.signature, inodes)


def _info_row(digest: FileDigest) -> list:
    return [digest.size, digest.md5] + ([digest.etag] if digest.etag else [])


def backup_raw_file(
    config: KrakenConfig,
    raw: RawFileLocation,
    file_info: FileInfo,
    *,
    overwrite: bool,
    progress: ProgressCallback | None = None,
    on_file: Callable[[str, CopyResult], None] | None = None,
) -> list[CopyResult]:
    folder = config.instrument_folder(raw.instrument_id)
    vendor = config.instruments[raw.instrument_id].type
    base = backup_base_path(config, raw)
    buffer_size = config.backup.copy_buffer_mb * 1024 * 1024
    results = []
    for rel, (size, md5, *_) in sorted(file_info.items()):
        source = raw.instrument_file(folder, vendor, rel)
        target = safe_join(base, backup_relpath(raw, rel))
        result = None
        if temporary_path(target).exists():
            try:
                result = promote_staged(target, size, md5, overwrite=overwrite, buffer_size=buffer_size,
                                        source_label=str(source))
            except StagedCopyMismatchError:
                pass  # a stale staged copy (an earlier run, a changed file): copy again from the instrument file
        if result is None:
            result = copy_verified(source, target, size, md5, overwrite=overwrite, buffer_size=buffer_size,
                                   progress=progress)
        results.append(result)
        if on_file is not None:
            on_file(rel, result)
    return results


@dataclass(frozen=True)
class BackupMismatch:
    relpath: str
    target: Path
    problem: str


def verify_backup(config: KrakenConfig, raw: RawFileLocation, file_info: FileInfo) -> list[BackupMismatch]:
    """Re-read every backup file and compare size and md5 with the record; an empty list proves it identical."""
    base = backup_base_path(config, raw)
    problems = []
    for rel, (size, md5, *_) in sorted(file_info.items()):
        target = safe_join(base, backup_relpath(raw, rel))
        if not target.is_file():
            problems.append(BackupMismatch(rel, target, "backup file is missing"))
            continue
        digest = file_digest(target)
        if digest.size != size:
            problems.append(BackupMismatch(rel, target, f"size {digest.size} != recorded {size}"))
        elif digest.md5 != md5:
            problems.append(BackupMismatch(rel, target, f"md5 {digest.md5} != recorded {md5}"))
    return problems
