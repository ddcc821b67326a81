"""What the platform knows about one location (an instrument, the backup pool, the output folder) right now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pymongo.database import Database

from kraken_core.config import KrakenConfig, LocationConfig
from kraken_core.locations import check_location
from kraken_core.monitoring.free_space import free_space_gb
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import NON_TERMINAL_STATUSES, BackupStatus, RawFileStatus

FILE_SYSTEMS = ("backup", "output")


def location_names(config: KrakenConfig) -> list[str]:
    """Every monitored location: each configured instrument, then `backup` and `output`."""
    return [*config.instruments, *FILE_SYSTEMS]


def location_config(config: KrakenConfig, name: str) -> LocationConfig:
    if name in FILE_SYSTEMS:
        return getattr(config.locations, name)
    return config.instrument_location(name)


def location_kind(config: KrakenConfig, name: str) -> str:
    return name if name in FILE_SYSTEMS else "instrument"


@dataclass(frozen=True)
class RecordFacts:
    """Facts about a location from the MongoDB record; absent when the record cannot be read."""

    heartbeat_at: datetime | None
    status_counts: dict[str, int]
    newest_file: str | None = None
    newest_file_at: datetime | None = None


@dataclass(frozen=True)
class LocationReport:
    name: str
    kind: str
    path: str
    mount_ok: bool
    details: str
    free_gb: float | None
    measured_at: datetime
    record: RecordFacts | None = None
    record_error: str | None = None

    def newest_file_age_s(self) -> float | None:
        if self.record is None or self.record.newest_file_at is None:
            return None
        return (self.measured_at - self.record.newest_file_at).total_seconds()

    def heartbeat_age_s(self) -> float | None:
        if self.record is None or self.record.heartbeat_at is None:
            return None
        return (self.measured_at - self.record.heartbeat_at).total_seconds()


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


def measure_location(config: KrakenConfig, name: str, now: datetime | None = None) -> LocationReport:
    """Mount and free space of one location, from the disk (or the free-space file); no record access."""
    health = check_location(location_config(config, name), name)
    free = free_space_gb(health.free_gb, name, config.monitoring.free_space_file) if health.ok else None
    return LocationReport(
        name=name,
        kind=location_kind(config, name),
        path=str(health.path),
        mount_ok=health.ok,
        details=health.details,
        free_gb=free,
        measured_at=now or datetime.now(UTC),
    )


def with_record_facts(report: LocationReport, db: Database) -> LocationReport:
    """Add the record's facts; if MongoDB cannot be read, say so instead of failing the whole report."""
    try:
        return replace(report, record=read_record_facts(db, report.name, report.kind))
    except Exception as err:  # noqa: BLE001 - any driver error means "record unreachable" here
        return replace(report, record_error=f"{type(err).__name__}: {err}")


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
