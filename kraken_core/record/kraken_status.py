"""Heartbeats in `kraken_status`: one document per instrument and per file system (backup, output)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.database import Database

from kraken_core.locations import LocationHealth


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
