"""What the record says about a location: its heartbeat, its raw files by status, and what newly went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database

from kraken_core.numbers import finite_number
from kraken_core.quanting.metric_names import EVOSEP_PUMP_HP_PRESSURE_MAX, GRADIENT_LENGTH_NAMES, MSQC_LEGACY_PREFIX
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import (
    NON_TERMINAL_STATUSES,
    VERIFIED_BACKUP_STATUSES,
    BackupStatus,
    InstrumentFileStatus,
    RawFileStatus,
)


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


def unfinished_instrument_files(db: Database, instrument_id: str, acquired_before: datetime,
                                moving_expected: bool) -> dict[str, int]:
    """Raw files of the instrument acquired before `acquired_before` whose instrument files are still in the
    acquisition folder (`instrument_file_status: initial`) and unfinished, per status: still in a non-terminal
    status, or, where the mover moves files, backed up but not moved. Files that ended in `error` or were
    ignored stay on the instrument on purpose and are not counted."""
    unfinished: list[dict[str, Any]] = [{"status": {"$in": sorted(NON_TERMINAL_STATUSES)}}]
    if moving_expected:
        unfinished.append({"backup_status": {"$in": sorted(VERIFIED_BACKUP_STATUSES)}})
    match = {"instrument_id": instrument_id, "instrument_file_status": str(InstrumentFileStatus.INITIAL),
             "created_at": {"$lt": acquired_before}, "$or": unfinished}
    pipeline = [{"$match": match}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}]
    return {str(doc["_id"]): doc["n"] for doc in db.raw_file.aggregate(pipeline)}


PRESSURE_NAMES = (EVOSEP_PUMP_HP_PRESSURE_MAX, MSQC_LEGACY_PREFIX + EVOSEP_PUMP_HP_PRESSURE_MAX)


def _first_number(doc: dict[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        value = finite_number(doc.get(name))
        if value is not None:
            return float(value)
    return None


def pump_pressure_readings(db: Database, instrument_id: str, since: datetime) -> list[dict[str, Any]]:
    """The Evosep pump's high-pressure maximum of each raw file of the instrument acquired since `since`, with
    its gradient length from any metrics document of the file (MSQC, AlphaDIA, ...); files without a pressure
    are left out. Keys: raw_file_id, acquired_at, pressure_bar, gradient_length_m."""
    acquired = {doc["_id"]: record_datetime(doc.get("created_at"))
                for doc in db.raw_file.find({"instrument_id": instrument_id, "created_at": {"$gte": since}},
                                            {"_id": 1, "created_at": 1})}
    if not acquired:
        return []
    pressure: dict[str, float] = {}
    gradient: dict[str, float] = {}
    projection = {"raw_file": 1, **{name: 1 for name in (*PRESSURE_NAMES, *GRADIENT_LENGTH_NAMES)}}
    for doc in db.metrics.find({"raw_file": {"$in": sorted(acquired)}}, projection).sort("created_at_", 1):
        rid = doc["raw_file"]
        value = _first_number(doc, PRESSURE_NAMES)
        if value is not None:
            pressure[rid] = value  # the newest document wins
        length = _first_number(doc, GRADIENT_LENGTH_NAMES)
        if length is not None:
            gradient[rid] = length
    return [
        {"raw_file_id": rid, "acquired_at": acquired[rid], "pressure_bar": bar, "gradient_length_m": gradient.get(rid)}
        for rid, bar in pressure.items()
        if acquired.get(rid) is not None
    ]
