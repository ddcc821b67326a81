"""Raw files with their metrics, answered in AlphaKraken's shape: by exact names, and of one instrument with filters.

AlphaKraken's MCP server answers both questions with a bare list of `{"raw_file": {...}, "metrics": {...}}`:
`raw_file` holds `name` (the raw file id) and, where recorded, `instrument_id`, `status`, `status_details`, `size`
and `created_at`; `metrics` is the newest metrics document per metrics type, flattened (`{}` when there is none).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mcp_server.metrics import alphakraken_metric_values, alphakraken_metrics, gradient_matches, metrics_by_raw_file
from mcp_server.record_reader import RecordReader

# AlphaKraken's `raw_file_keys_whitelist`
RAW_FILE_FIELDS = ("instrument_id", "status", "status_details", "size", "created_at")
SUMMARY_PROJECTION = {field: 1 for field in (*RAW_FILE_FIELDS, "original_name")}
# With a name or gradient-length filter, raw files are checked newest first up to this many.
MAX_SCANNED = 20_000
GRADIENT_PAGE = 250


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


def raw_file_item(doc: dict[str, Any], flat_metrics: dict[str, Any], only_basic: bool) -> dict[str, Any]:
    """One answer item in AlphaKraken's shape; like AlphaKraken (mongoengine leaves out unset fields), a field the
    record does not hold is absent rather than null."""
    summary = {field: doc[field] for field in RAW_FILE_FIELDS if doc.get(field) is not None}
    return {"raw_file": {**summary, "name": doc["_id"]},
            "metrics": alphakraken_metric_values(flat_metrics, only_basic)}


def _items(docs: list[dict[str, Any]], flat: dict[str, dict[str, Any]], only_basic: bool) -> list[dict[str, Any]]:
    return [raw_file_item(doc, flat.get(doc["_id"], {}), only_basic) for doc in docs]


def _flat_metrics(reader: RecordReader, docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_raw_file = metrics_by_raw_file(reader, (doc["_id"] for doc in docs))
    return {raw_file_id: alphakraken_metrics(found) for raw_file_id, found in by_raw_file.items()}


def raw_files_by_names(reader: RecordReader, names: list[str]) -> list[dict[str, Any]]:
    """Raw files whose id or original name is exactly one of `names` (a collision shares the original name), newest
    first, with all metrics; a name that matches nothing is simply not in the list (as in AlphaKraken)."""
    names = list(dict.fromkeys(names))
    found = {doc["_id"]: doc for field in ("_id", "original_name")
             for doc in reader.find("raw_file", {field: {"$in": names}}, projection=SUMMARY_PROJECTION)}
    docs = sorted(found.values(), key=lambda doc: doc["created_at"], reverse=True)
    return _items(docs, _flat_metrics(reader, docs), only_basic=False)


def _with_gradient(
    reader: RecordReader, candidates: list[dict[str, Any]], gradient_length: float, limit: int
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The newest candidates whose gradient length matches, reading metrics page by page until `limit` is met."""
    matched: list[dict[str, Any]] = []
    flat: dict[str, dict[str, Any]] = {}
    for start in range(0, len(candidates), GRADIENT_PAGE):
        page = candidates[start : start + GRADIENT_PAGE]
        page_flat = _flat_metrics(reader, page)
        flat.update(page_flat)
        matched += [doc for doc in page if gradient_matches(page_flat[doc["_id"]], gradient_length)]
        if len(matched) >= limit:
            break
    return matched[:limit], flat


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
) -> list[dict[str, Any]]:
    """Raw files of an instrument acquired within `max_age_days`, newest first, at most `limit`."""
    since = (now or datetime.now(UTC)) - timedelta(days=max_age_days)
    if gradient_length is None:
        docs, _ = instrument_raw_files(reader, instrument_id, since=since, name_contains=name_contains, limit=limit)
        flat = _flat_metrics(reader, docs)
    else:
        candidates, _ = instrument_raw_files(reader, instrument_id, since=since, name_contains=name_contains,
                                             limit=MAX_SCANNED)
        docs, flat = _with_gradient(reader, candidates, gradient_length, limit)
    return _items(docs, flat, only_basic_metrics)
