"""Reads and writes of `raw_file` documents (AlphaKraken's field names)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kraken_core.statuses import VERIFIED_BACKUP_STATUSES, BackupStatus, InstrumentFileStatus, RawFileStatus

LOOKUP_PROJECTION = {
    "_id": 1,
    "original_name": 1,
    "instrument_id": 1,
    "status": 1,
    "size": 1,
    "file_info": 1,
    "created_at": 1,
    "created_at_": 1,
    "backup_status": 1,
    "acquisition_signature": 1,
}


class RawFileIdTaken(RuntimeError):
    """Another document already has this raw file id."""


def find_by_original_names(db: Database, names: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Documents for these original names, in one query; every name maps to a (possibly empty) list."""
    names = list(names)
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    if not names:
        return found
    for doc in db.raw_file.find({"original_name": {"$in": names}}, LOOKUP_PROJECTION):
        found.setdefault(doc["original_name"], []).append(doc)
    return found


def find_by_ids(db: Database, raw_file_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The watcher's view (LOOKUP_PROJECTION) of these raw files, in one query."""
    ids = list(raw_file_ids)
    if not ids:
        return {}
    return {doc["_id"]: doc for doc in db.raw_file.find({"_id": {"$in": ids}}, LOOKUP_PROJECTION)}


def watch_again(db: Database, raw_file_id: str, details: str) -> None:
    """Put a raw file whose instrument files changed before its backup back under acquisition monitoring.

    Whatever a run had taken of it is released (`catch_up_run_id`, `backup_status`), so the run requested once it
    is stable again starts from the beginning.
    """
    update = {
        "status": str(RawFileStatus.MONITORING_ACQUISITION),
        "status_details": details,
        "backup_status": None,
        "catch_up_run_id": None,
        "updated_at_": datetime.now(UTC),
    }
    db.raw_file.update_one({"_id": raw_file_id}, {"$set": update})


def register_raw_file(
    db: Database,
    *,
    raw_file_id: str,
    original_name: str,
    collision_flag: str | None,
    instrument_id: str,
    project_id: str,
    status: RawFileStatus,
    created_at: datetime,
    status_details: str | None = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    doc = {
        "_id": raw_file_id,
        "original_name": original_name,
        "collision_flag": collision_flag,
        "instrument_id": instrument_id,
        "project_id": project_id,
        "status": str(status),
        "status_details": status_details,
        "size": None,
        "file_info": {},
        "backup_base_path": None,
        "backup_status": None,
        "instrument_file_status": str(InstrumentFileStatus.INITIAL),
        "created_at": created_at,
        "created_at_": now,
        "updated_at_": now,
    }
    try:
        db.raw_file.insert_one(doc)
    except DuplicateKeyError as err:
        raise RawFileIdTaken(f"raw file id {raw_file_id!r} is already in the record") from err
    return doc


def raw_files_with_verified_backup(db: Database, instrument_id: str, instrument_file_status: str) -> list[dict[str, Any]]:
    """Raw files of an instrument whose backup is verified and whose instrument file is in this state, oldest
    first (the mover's candidates)."""
    query = {"instrument_id": instrument_id, "instrument_file_status": instrument_file_status,
             "backup_status": {"$in": sorted(VERIFIED_BACKUP_STATUSES)}}
    return list(db.raw_file.find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)]))


def raw_file_ids_acquired_before(db: Database, instrument_id: str, instrument_file_statuses: list[str],
                                 before: datetime) -> list[str]:
    """Ids of an instrument's raw files in these instrument-file states acquired before `before`, oldest first
    (the remover's candidates)."""
    query = {"instrument_id": instrument_id, "instrument_file_status": {"$in": instrument_file_statuses},
             "created_at": {"$lt": before}}
    cursor = db.raw_file.find(query, {"_id": 1}).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
    return [doc["_id"] for doc in cursor]


def raw_files_by_ids(db: Database, raw_file_ids: list[str], projection: dict | None = None,
                     chunk: int = 1000) -> Iterable[dict[str, Any]]:
    """The documents of many raw files, in queries of at most `chunk` ids."""
    for start in range(0, len(raw_file_ids), chunk):
        yield from db.raw_file.find({"_id": {"$in": raw_file_ids[start : start + chunk]}}, projection)


def project_ids(db: Database) -> list[str]:
    """The ids of the record's `project` collection (tens of documents)."""
    return [str(p["_id"]) for p in db.project.find({}, {"_id": 1})]


def get_raw_file(db: Database, raw_file_id: str) -> dict[str, Any] | None:
    return db.raw_file.find_one({"_id": raw_file_id})


def update_raw_file(
    db: Database,
    raw_file_id: str,
    *,
    status: RawFileStatus | None = None,
    status_details: str | None = None,
    backup_status: BackupStatus | None = None,
    **fields: Any,
) -> None:
    """Set fields of one raw file; a status change always replaces `status_details` (None clears it)."""
    update: dict[str, Any] = {**fields, "updated_at_": datetime.now(UTC)}
    if status is not None:
        update["status"] = str(status)
        update["status_details"] = status_details
    elif status_details is not None:
        update["status_details"] = status_details
    if backup_status is not None:
        update["backup_status"] = str(backup_status)
    result = db.raw_file.update_one({"_id": raw_file_id}, {"$set": update})
    if result.matched_count != 1:
        raise KeyError(f"raw file {raw_file_id!r} is not in the record")


def claim_for_catch_up(db: Database, raw_file_id: str, run_id: str) -> bool:
    """Take a finished raw file for a catch-up run, unless another run has processed or taken it already.

    A raw file waits for its backup in status `monitoring_done` (or `acquisition_failed` without a backup status).
    The claim is a conditional update, so two runs given the same file (a watcher that lost its cursor asks
    again) cannot both process it. `run_id` is the root run: a re-execution of a catch-up run takes back the
    files its first attempt claimed but did not back up.
    """
    now = datetime.now(UTC)
    waiting = {
        "_id": raw_file_id,
        "status": {"$in": [str(RawFileStatus.MONITORING_DONE), str(RawFileStatus.ACQUISITION_FAILED)]},
        "backup_status": None,  # null or missing
        "catch_up_run_id": None,
    }
    update = {"$set": {"catch_up_run_id": run_id, "updated_at_": now}}
    if db.raw_file.update_one(waiting, update).matched_count:
        return True
    mine = db.raw_file.find_one({"_id": raw_file_id, "catch_up_run_id": run_id}, {"backup_status": 1})
    if mine is None or mine.get("backup_status") == str(BackupStatus.COPYING_DONE):
        return False
    # compare-and-set on the backup status just read: another attempt cannot finish it in between unnoticed
    unfinished = {"_id": raw_file_id, "catch_up_run_id": run_id, "backup_status": mine.get("backup_status")}
    return db.raw_file.update_one(unfinished, update).matched_count == 1
