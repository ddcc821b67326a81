"""Recent failures with their reasons: failed statuses and failed backups or uploads."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp_server.record_reader import RecordReader
from mcp_server.story import FAILED_BACKUP_STATUSES, FAILED_STATUSES, failure_reason

_PROJECTION = {"instrument_id": 1, "status": 1, "status_details": 1, "backup_status": 1, "s3_upload_error": 1,
               "updated_at_": 1, "created_at": 1, "project_id": 1}


def recent_failures(
    reader: RecordReader, *, hours: float, instrument_id: str | None, limit: int, now: datetime | None = None
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=hours)
    scope: dict[str, Any] = {"updated_at_": {"$gte": since}}
    if instrument_id:
        scope["instrument_id"] = instrument_id
    docs: dict[str, dict[str, Any]] = {}
    # one equality query per failed value: nx-27017 uses the (status, updated_at_) index for that, not for `$in`
    for field, values in (("status", FAILED_STATUSES), ("backup_status", FAILED_BACKUP_STATUSES)):
        for value in sorted(str(v) for v in values):
            query = {field: value, **scope}
            for doc in reader.find("raw_file", query, projection=_PROJECTION, sort=[("updated_at_", -1)],
                                   limit=limit + 1):
                docs[doc["_id"]] = doc
    ordered = sorted(docs.values(), key=lambda d: d["updated_at_"], reverse=True)
    failures = [
        {
            "raw_file_id": doc["_id"],
            "instrument_id": doc.get("instrument_id"),
            "project_id": doc.get("project_id"),
            "status": doc.get("status"),
            "backup_status": doc.get("backup_status"),
            "reason": failure_reason(doc),
            "failed_at": doc["updated_at_"],
            "created_at": doc.get("created_at"),
        }
        for doc in ordered
    ]
    shown = failures[:limit]
    return {
        "since": since,
        "count": len(shown),
        "more_available": len(failures) > limit,
        "by_instrument": dict(Counter(f["instrument_id"] for f in shown).most_common()),
        "by_reason": dict(Counter(f["reason"] for f in shown).most_common(20)),
        "failures": shown,
    }
