"""Record access of re-quantification: the raw files a selection names, and their reset for a new submission."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.database import Database

from kraken_core.quanting.requantify import REQUANTIFIABLE_STATUSES, Selection
from kraken_core.statuses import RawFileStatus


def find_selected(db: Database, selection: Selection) -> tuple[list[dict[str, Any]], list[str]]:
    """Raw files the selection names (newest first, at most max_files), and the named ids not in a
    re-quantifiable state or not in the record (with the reason)."""
    docs = list(db.raw_file.find(selection.query()).sort("created_at", DESCENDING).limit(selection.max_files))
    found = {d["_id"] for d in docs}
    missing = []
    for raw_file_id in selection.raw_file_ids:
        if raw_file_id in found:
            continue
        other = db.raw_file.find_one({"_id": raw_file_id}, {"status": 1})
        missing.append(f"{raw_file_id}: " + ("not in the record" if other is None else
                                             f"status {other.get('status')} does not match the selection"))
    return docs, missing


def count_selected(db: Database, selection: Selection) -> int:
    return db.raw_file.count_documents(selection.query())


def reset_for_requantification(db: Database, raw_file_id: str, requested_by: str) -> dict[str, Any] | None:
    """Queue the raw file for quantification again, keeping its earlier jobs in `requantifications`; None when
    its status changed meanwhile (for example its jobs were submitted by someone else)."""
    now = datetime.now(UTC)
    before = db.raw_file.find_one({"_id": raw_file_id, "status": {"$in": sorted(REQUANTIFIABLE_STATUSES)}})
    if before is None:
        return None
    entry = {"requested_at": now, "requested_by": requested_by, "previous_status": before.get("status"),
             "previous_status_details": before.get("status_details"),
             "previous_jobs": before.get("quanting_jobs") or []}
    # the whole list is set (not $push): the filter on status and updated_at_ makes the change atomic
    return db.raw_file.find_one_and_update(
        {"_id": raw_file_id, "status": before.get("status"), "updated_at_": before.get("updated_at_")},
        {"$set": {"status": str(RawFileStatus.QUEUED_FOR_QUANTING),
                  "status_details": f"re-quantification requested by {requested_by}",
                  "quanting_jobs": [], "results_request": None, "updated_at_": now,
                  "requantifications": [*(before.get("requantifications") or []), entry]}},
        return_document=ReturnDocument.AFTER,
    )


# Requests from the companion (admin): the companion only writes a request; the `requantify_requests` sensor
# launches `requantify_raw_files` for it, so the web app never reaches the cluster.
REQUESTS = "requantify_request"


def request_requantification(db: Database, raw_file_ids: list[str], requested_by: str) -> dict[str, Any]:
    doc = {"raw_file_ids": list(raw_file_ids), "requested_by": requested_by, "requested_at": datetime.now(UTC),
           "status": "pending", "run_key": None}
    doc["_id"] = db[REQUESTS].insert_one(doc).inserted_id
    return doc


def pending_requests(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    return list(db[REQUESTS].find({"status": "pending"}).sort("requested_at", 1).limit(limit))


def mark_request_launched(db: Database, request_id: Any, run_key: str) -> bool:
    """True when this call moved the request from pending to launched (a second sensor tick does not)."""
    result = db[REQUESTS].update_one({"_id": request_id, "status": "pending"},
                                     {"$set": {"status": "launched", "run_key": run_key,
                                               "launched_at": datetime.now(UTC)}})
    return result.modified_count == 1
