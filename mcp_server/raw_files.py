"""Raw files with their metrics: by exact names, and of one instrument with filters."""

from __future__ import annotations

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
# With a name or gradient-length filter, raw files are checked newest first up to this many.
MAX_SCANNED = 20_000
GRADIENT_PAGE = 250


def raw_file_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"raw_file_id": doc["_id"], **{field: doc.get(field) for field in SUMMARY_FIELDS}}


def instrument_raw_files(
    reader: RecordReader,
    instrument_id: str,
    *,
    since: datetime,
    until: datetime | None = None,
    name_contains: str = "",
    projection: dict[str, Any] | None = None,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Raw files of an instrument acquired in [since, until), newest first, at most `limit`; and whether more match.

    The case-insensitive name filter runs here on the instrument's time window rather than as a `$regex`
    in the query: nx-27017 answers a `$regex` query by reading the whole collection.
    """
    created: dict[str, Any] = {"$gte": since}
    if until is not None:
        created["$lt"] = until
    query = {"instrument_id": instrument_id, "created_at": created}
    projection = projection or SUMMARY_PROJECTION
    sort = [("created_at", -1)]
    if not name_contains:
        docs = reader.find("raw_file", query, projection=projection, sort=sort, limit=limit + 1)
        return docs[:limit], len(docs) > limit
    window = reader.find("raw_file", query, projection=projection, sort=sort, limit=MAX_SCANNED)
    needle = name_contains.lower()
    docs = [doc for doc in window if needle in doc["_id"].lower()]
    return docs[:limit], len(docs) > limit or len(window) == MAX_SCANNED


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
    found = {doc["_id"]: doc for field in ("_id", "original_name")
             for doc in reader.find("raw_file", {field: {"$in": names}}, projection=SUMMARY_PROJECTION)}
    docs = sorted(found.values(), key=lambda doc: doc["created_at"], reverse=True)
    matched = {doc["_id"] for doc in docs} | {doc.get("original_name") for doc in docs}
    return {
        "raw_files": with_metrics(reader, docs, only_basic=False),
        "not_found": [name for name in names if name not in matched],
    }


def _with_gradient(
    reader: RecordReader, candidates: list[dict[str, Any]], gradient_length: float, limit: int
) -> tuple[bool, list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The newest candidates whose gradient length matches, reading metrics page by page until `limit` is met."""
    matched: list[dict[str, Any]] = []
    metrics: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(candidates), GRADIENT_PAGE):
        page = candidates[start : start + GRADIENT_PAGE]
        page_metrics = metrics_by_raw_file(reader, (doc["_id"] for doc in page))
        metrics.update(page_metrics)
        matched += [doc for doc in page if gradient_matches(page_metrics[doc["_id"]], gradient_length)]
        if len(matched) > limit:
            return True, matched[:limit], metrics
    return False, matched, metrics


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
    since = now - timedelta(days=max_age_days)
    if gradient_length is None:
        docs, more = instrument_raw_files(reader, instrument_id, since=since, name_contains=name_contains, limit=limit)
        metrics = metrics_by_raw_file(reader, (doc["_id"] for doc in docs))
    else:
        candidates, truncated = instrument_raw_files(reader, instrument_id, since=since, name_contains=name_contains,
                                                     limit=MAX_SCANNED)
        more, docs, metrics = _with_gradient(reader, candidates, gradient_length, limit)
        more = more or truncated
    return {
        "instrument_id": instrument_id,
        "since": since,
        "count": len(docs),
        "more_available": more,
        "raw_files": with_metrics(reader, docs, only_basic_metrics, metrics),
    }
