"""Raw files with their metrics: by exact names, and of one instrument with filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp_server.metrics import gradient_matches, latest_per_settings, metrics_by_raw_file, metrics_entry
from mcp_server.record_reader import RecordReader

SUMMARY_FIELDS = (
    "original_name",
    "instrument_id",
    "project_id",
    "status",
    "status_details",
    "backup_status",
    "size",
    "created_at",
)
SUMMARY_PROJECTION = {field: 1 for field in SUMMARY_FIELDS}
# With a gradient-length filter, raw files are checked newest first up to this many.
MAX_SCANNED_FOR_GRADIENT = 5000
GRADIENT_PAGE = 250


def raw_file_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"raw_file_id": doc["_id"], **{field: doc.get(field) for field in SUMMARY_FIELDS}}


def with_metrics(
    reader: RecordReader, docs: list[dict[str, Any]], only_basic: bool, metrics: dict[str, list] | None = None
) -> list[dict[str, Any]]:
    """Each raw file's summary with the newest metrics per settings."""
    metrics = metrics if metrics is not None else metrics_by_raw_file(reader, (doc["_id"] for doc in docs))
    return [
        {
            **raw_file_summary(doc),
            "metrics": [metrics_entry(m, only_basic) for m in latest_per_settings(metrics.get(doc["_id"], []))],
        }
        for doc in docs
    ]


def raw_files_by_names(reader: RecordReader, names: list[str]) -> dict[str, Any]:
    """Raw files whose id or original name is exactly one of `names` (a collision shares the original name)."""
    names = list(dict.fromkeys(names))
    docs = reader.find(
        "raw_file",
        {"$or": [{"_id": {"$in": names}}, {"original_name": {"$in": names}}]},
        projection=SUMMARY_PROJECTION,
        sort=[("created_at", -1)],
    )
    matched = {doc["_id"] for doc in docs} | {doc.get("original_name") for doc in docs}
    return {
        "raw_files": with_metrics(reader, docs, only_basic=False),
        "not_found": [name for name in names if name not in matched],
    }


def _with_gradient(
    reader: RecordReader, query: dict[str, Any], gradient_length: float, limit: int
) -> tuple[bool, list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Newest raw files whose gradient length matches, reading their metrics page by page until `limit` is met."""
    docs = reader.find("raw_file", query, projection=SUMMARY_PROJECTION, sort=[("created_at", -1)],
                       limit=MAX_SCANNED_FOR_GRADIENT)
    matched: list[dict[str, Any]] = []
    metrics: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(docs), GRADIENT_PAGE):
        page = docs[start : start + GRADIENT_PAGE]
        page_metrics = metrics_by_raw_file(reader, (doc["_id"] for doc in page))
        metrics.update(page_metrics)
        matched += [doc for doc in page if gradient_matches(page_metrics[doc["_id"]], gradient_length)]
        if len(matched) > limit:
            return True, matched[:limit], metrics
    return len(docs) == MAX_SCANNED_FOR_GRADIENT, matched, metrics


def raw_files_of_instrument(
    reader: RecordReader,
    instrument_id: str,
    *,
    name_contains: str,
    max_age_days: float,
    gradient_length: float | None,
    only_basic_metrics: bool,
    limit: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    query: dict[str, Any] = {"instrument_id": instrument_id, "created_at": {"$gte": now - timedelta(days=max_age_days)}}
    if name_contains:
        query["_id"] = {"$regex": re.escape(name_contains), "$options": "i"}
    if gradient_length is None:
        docs = reader.find("raw_file", query, projection=SUMMARY_PROJECTION, sort=[("created_at", -1)],
                           limit=limit + 1)
        more, docs = len(docs) > limit, docs[:limit]
        metrics = metrics_by_raw_file(reader, (doc["_id"] for doc in docs))
    else:
        more, docs, metrics = _with_gradient(reader, query, gradient_length, limit)
    return {
        "instrument_id": instrument_id,
        "since": now - timedelta(days=max_age_days),
        "count": len(docs),
        "more_available": more,
        "raw_files": with_metrics(reader, docs, only_basic_metrics, metrics),
    }
