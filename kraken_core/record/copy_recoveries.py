"""Reads and writes of raw files whose copy a crash interrupted (see kraken_core/stale_copies.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.database import Database

from kraken_core.stale_copies import in_flight_filter, unchanged_since

RECOVERIES_FIELD = "copy_recoveries"
PAGE = 200


def find_in_flight(db: Database, updated_before: datetime, limit: int = PAGE) -> list[dict[str, Any]]:
    """Raw files in the middle of a copy and unchanged since `updated_before`.

    The time is compared here rather than in the query: the in-flight files are few, and the test's wire-protocol
    server stores a `$set` datetime as a string, which a `$lt` on a datetime never matches.
    """
    docs = db.raw_file.find(in_flight_filter()).limit(limit)
    return [doc for doc in docs if unchanged_since(doc, updated_before)]


def recovery_run_key(doc: dict) -> str:
    """A new run key for each recovery of one raw file, so the watcher's own run key never hides it."""
    return f"recover:{doc['_id']}:{len(doc.get(RECOVERIES_FIELD) or []) + 1}"


def record_recovery(
    db: Database, doc: dict, *, details: str, run_key: str, dead_runs: list[str], removed: list[Path]
) -> bool:
    """Note the recovery in the record, unless the raw file changed since `doc` was read (a run took it up).

    The status stays as it was (the new run moves it on); `status_details` says what happened and the list
    `copy_recoveries` keeps one entry per recovery.
    """
    now = datetime.now(UTC)
    entry = {
        "at": now,
        "status": doc.get("status"),
        "backup_status": doc.get("backup_status"),
        "dead_runs": dead_runs,
        "removed_temp_files": [str(path) for path in removed],
        "run_key": run_key,
    }
    unchanged = {"_id": doc["_id"], "status": doc.get("status"), "updated_at_": doc.get("updated_at_")}
    # the whole list is set rather than $push-ed: the compare-and-set on updated_at_ already makes it safe, and
    # the wire-protocol server of the tests stores $push-ed documents as strings
    recoveries = [*(doc.get(RECOVERIES_FIELD) or []), entry]
    update = {"$set": {"status_details": details, "updated_at_": now, RECOVERIES_FIELD: recoveries}}
    return db.raw_file.update_one(unchanged, update).matched_count == 1
