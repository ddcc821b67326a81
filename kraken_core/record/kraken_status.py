"""Heartbeats in `kraken_status`: one document per instrument, per file system (backup, output) and per job
(the file remover)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.database import Database

from kraken_core.locations import LocationHealth
from kraken_core.record.timestamps import record_datetime


def write_heartbeat(db: Database, entity_id: str, entity_type: str, health: LocationHealth, **extra) -> None:
    now = datetime.now(UTC)
    fields = {
        "entity_type": entity_type,
        "status": "ok" if health.ok else "error",
        "status_details": health.details,
        "free_space_gb": health.free_gb,
        "path": str(health.path),
        "updated_at_": now,
        **extra,
    }
    if not health.ok:
        fields["last_error_occurred_at"] = now
    db.kraken_status.update_one({"_id": entity_id}, {"$set": fields}, upsert=True)


# AlphaKraken's `kraken_status` entry of its file remover job (entity type `job`), kept so its monitoring and ours
# read the same document
FILE_REMOVER = "file_remover"
JOB_ENTITY = "job"


def write_job_heartbeat(db: Database, job_id: str, ok: bool, details: str) -> None:
    """A job (the file remover) finished a run: `updated_at_` is when, `status` whether it went well."""
    now = datetime.now(UTC)
    fields = {"entity_type": JOB_ENTITY, "status": "ok" if ok else "error", "status_details": details,
              "updated_at_": now}
    if not ok:
        fields["last_error_occurred_at"] = now
    db.kraken_status.update_one({"_id": job_id}, {"$set": fields}, upsert=True)


def job_heartbeat(db: Database, job_id: str) -> dict | None:
    """The job's `kraken_status` document (`updated_at_` as an aware datetime), or None before its first run."""
    doc = db.kraken_status.find_one({"_id": job_id})
    if doc is None:
        return None
    return {**doc, "updated_at_": record_datetime(doc.get("updated_at_"))}
