"""What the record says about a location: its heartbeat, its raw files by status, and what newly went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.database import Database

from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import NON_TERMINAL_STATUSES, BackupStatus, RawFileStatus


@dataclass(frozen=True)
class RecordFacts:
    """Facts about a location from the MongoDB record; absent when the record cannot be read."""

    heartbeat_at: datetime | None
    status_counts: dict[str, int]
    newest_file: str | None = None
    newest_file_at: datetime | None = None


def status_counts(db: Database, instrument_id: str) -> dict[str, int]:
    """Raw files of one instrument per non-terminal status (statuses without files are left out)."""
    pipeline = [
        {"$match": {"instrument_id": instrument_id, "status": {"$in": sorted(NON_TERMINAL_STATUSES)}}},
        {"$group": {"_id": "$status", "n": {"$sum": 1}}},
    ]
    return {doc["_id"]: doc["n"] for doc in db.raw_file.aggregate(pipeline)}


def read_record_facts(db: Database, name: str, kind: str) -> RecordFacts:
    status = db.kraken_status.find_one({"_id": name}, {"updated_at_": 1})
    heartbeat_at = record_datetime(status.get("updated_at_")) if status else None
    if kind != "instrument":
        return RecordFacts(heartbeat_at=heartbeat_at, status_counts={})
    newest = db.raw_file.find_one({"instrument_id": name}, {"_id": 1, "created_at": 1}, sort=[("created_at", -1)])
    return RecordFacts(
        heartbeat_at=heartbeat_at,
        status_counts=status_counts(db, name),
        newest_file=newest["_id"] if newest else None,
        newest_file_at=record_datetime(newest.get("created_at")) if newest else None,
    )


def new_raw_file_errors(db: Database, instrument_id: str, since: datetime) -> list[dict]:
    """Raw files of the instrument that entered `error` (or were updated while in it) after `since`."""
    query = {"status": str(RawFileStatus.ERROR), "updated_at_": {"$gt": since}, "instrument_id": instrument_id}
    return list(db.raw_file.find(query, {"_id": 1, "status_details": 1}).sort("updated_at_", 1).limit(50))


def new_upload_failures(db: Database, instrument_id: str, since: datetime) -> list[dict]:
    """Raw files of the instrument whose S3 upload failed after `since`."""
    query = {
        "backup_status": str(BackupStatus.UPLOAD_FAILED),
        "updated_at_": {"$gt": since},
        "instrument_id": instrument_id,
    }
    return list(db.raw_file.find(query, {"_id": 1, "status_details": 1}).sort("updated_at_", 1).limit(50))


def new_reused_names(db: Database, instrument_id: str, since: datetime) -> list[dict]:
    """Raw files of the instrument registered after `since` under a name the record already had (a collision)."""
    query = {"instrument_id": instrument_id, "created_at_": {"$gt": since}, "collision_flag": {"$ne": None}}
    docs = db.raw_file.find(query, {"_id": 1, "original_name": 1}).sort("created_at_", 1).limit(50)
    return [{"_id": d["_id"], "status_details": f"a new acquisition under the used name {d['original_name']}"}
            for d in docs]
