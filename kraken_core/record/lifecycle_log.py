"""`instrument_file_log`: every move, deletion and refusal of instrument files, with its reason.

A collection of its own, so `raw_file` keeps exactly AlphaKraken's fields; the raw file itself only gets its
`instrument_file_status` (`moved`, `purged`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

COLLECTION = "instrument_file_log"

LIFECYCLE_INDEXES: dict[str, list[IndexModel]] = {
    COLLECTION: [
        IndexModel([("raw_file_id", ASCENDING), ("at", DESCENDING)], name="raw_file_at"),
        IndexModel([("instrument_id", ASCENDING), ("at", DESCENDING)], name="instrument_at"),
        IndexModel([("action", ASCENDING), ("at", DESCENDING)], name="action_at"),
    ],
    # mover and remover: a raw file's instrument files by instrument, state and age
    "raw_file": [
        IndexModel(
            [("instrument_id", ASCENDING), ("instrument_file_status", ASCENDING), ("created_at", ASCENDING)],
            name="instrument_file_status_created_at",
        ),
    ],
}


def ensure_lifecycle_indexes(db: Database) -> None:
    for collection, models in LIFECYCLE_INDEXES.items():
        db[collection].create_indexes(models)


def record_file_event(
    db: Database,
    *,
    raw_file_id: str | None,
    instrument_id: str,
    step: str,
    action: str,
    reason: str,
    destructive: bool,
    run_id: str | None = None,
    **details: Any,
) -> None:
    db[COLLECTION].insert_one(
        {
            "raw_file_id": raw_file_id,
            "instrument_id": instrument_id,
            "step": step,
            "action": action,
            "reason": reason,
            "destructive": destructive,
            "run_id": run_id,
            "at": datetime.now(UTC),
            **details,
        }
    )


def file_events(db: Database, raw_file_id: str) -> list[dict[str, Any]]:
    return list(db[COLLECTION].find({"raw_file_id": raw_file_id}).sort("at", ASCENDING))
