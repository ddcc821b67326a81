"""Copies a crash left half done: which raw files they are, and which temporary files in the pool are theirs.

A raw file is in flight while its run checksums and stages it (`checksumming`) or verifies and renames the
staged copy (`copying`, backup status `copying_in_progress`); a catch-up run also holds files it has claimed but
not started (`monitoring_done` with its `catch_up_run_id`). Every way a run ends normally moves the record on
(to the next status, or to `error` with its cause), so a record still in flight when no run that could work on
it is alive (queued, starting, running or cancelling) was left by a killed worker. Such a record is stale once it
has not changed for `timings.stale_copy_recovery_s`: its staged `.kraken-tmp` files are removed and its pipeline
run is requested again, which checksums, copies and verifies it from the instrument file as if for the first
time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kraken_core.config.schema import KrakenConfig
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_relpath
from kraken_core.safe_paths import UnsafePathError, safe_join
from kraken_core.statuses import COPY_IN_FLIGHT_STATUSES, BackupStatus, RawFileStatus
from kraken_core.vendors import raw_file_members
from kraken_core.verified_copy import TMP_SUFFIX, temporary_path



@dataclass(frozen=True)
class LiveRuns:
    """What the runs that are not finished (queued, starting, started, cancelling) may still be working on."""

    partitions: frozenset[str] = frozenset()
    run_ids: frozenset[str] = field(default_factory=frozenset)  # run ids and root run ids (catch-up claims)


def in_flight_filter() -> dict:
    """MongoDB filter of raw files in the middle of a copy (a handful at any time: at most one per copy slot)."""
    return {
        "$or": [
            {"status": {"$in": sorted(COPY_IN_FLIGHT_STATUSES)}},
            {"backup_status": str(BackupStatus.COPYING_IN_PROGRESS)},
            {"status": str(RawFileStatus.MONITORING_DONE), "catch_up_run_id": {"$type": "string"},
             "backup_status": None},
        ],
    }


def stale_after(now: datetime, config: KrakenConfig) -> datetime:
    return now - timedelta(seconds=config.timings.stale_copy_recovery_s)


def unchanged_since(doc: dict, moment: datetime) -> bool:
    """The record was last changed before `moment` (a missing or unreadable time counts as long ago)."""
    changed = doc.get("updated_at_")
    if isinstance(changed, str):  # as some MongoDB-compatible servers return it
        try:
            changed = datetime.fromisoformat(changed)
        except ValueError:
            return True
    if not isinstance(changed, datetime):
        return True
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    return changed < moment


def is_stale(doc: dict, live: LiveRuns) -> bool:
    """No run that is still alive can finish this raw file's copy."""
    if doc["_id"] in live.partitions:
        return False
    claimed_by = doc.get("catch_up_run_id")
    return not (claimed_by and claimed_by in live.run_ids)


def _candidate_relpaths(config: KrakenConfig, doc: dict, raw: RawFileLocation) -> set[str]:
    relpaths = set(doc.get("file_info") or {})
    instrument = config.instruments.get(raw.instrument_id)
    if instrument is not None:
        try:
            relpaths.update(raw_file_members(config.instrument_folder(raw.instrument_id), instrument.type,
                                             raw.original_name))
        except (OSError, UnsafePathError):
            pass  # the instrument share is away or the file is gone: the record's file_info still names the files
    return relpaths


def staged_temp_files(config: KrakenConfig, doc: dict) -> list[Path]:
    """The `.kraken-tmp` files in the backup pool that belong to this raw file and exist now."""
    raw = RawFileLocation.from_doc(doc)
    base = backup_base_path(config, raw)
    found: set[Path] = set()
    for rel in _candidate_relpaths(config, doc, raw):
        try:
            tmp = temporary_path(safe_join(base, backup_relpath(raw, rel)))
        except UnsafePathError:
            continue
        if tmp.is_file():
            found.add(tmp)
    # a Bruker .d folder: files that vanished from the instrument since may still have staged copies
    tree = base / backup_relpath(raw, raw.original_name)
    if tree.is_dir() and not tree.is_symlink():
        for root, _dirs, files in os.walk(tree, followlinks=False):
            found.update(Path(root) / name for name in files if name.endswith(TMP_SUFFIX))
    return sorted(found)


def remove_files(paths: Iterable[Path]) -> list[Path]:
    removed = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def recovery_details(doc: dict, dead_runs: list[str], removed: list[Path], run_key: str) -> str:
    was = doc.get("status")
    if doc.get("backup_status"):
        was += f", backup {doc['backup_status']}"
    runs = f" (run {', '.join(dead_runs)})" if dead_runs else ""
    temp = f"; removed {len(removed)} staged temporary file(s)" if removed else ""
    return (
        f"the copy of raw file {doc['_id']} (instrument {doc['instrument_id']}) was interrupted in status {was}: "
        f"its run ended without finishing it{runs}, most likely killed{temp}. A new backup run ({run_key}) was "
        f"requested; it checksums and copies the file again from the instrument. Nothing to do unless it fails"
    )
