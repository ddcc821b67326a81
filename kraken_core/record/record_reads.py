"""Read queries of the pages and tools that browse the record (companion, MCP): their shapes live here, beside
the indexes that serve them (`indexes.py`), not in the views."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pymongo.database import Database

from kraken_core.record.raw_files import raw_files_by_ids
from kraken_core.record.time_window import time_window
from kraken_core.record.timestamps import record_datetime

# a raw file has a few `metrics` documents (one per settings run); a name range holding many more is read per id
NAME_RANGE_DOCUMENTS_PER_ID = 8
NAME_RANGE_MAX_IDS = 2000


def acquired_since(
    db: Database, since: datetime, projection: Mapping[str, Any] | None, *, instrument: str | None = None,
    project: str | None = None, limit: int | None = None,
) -> list[dict[str, Any]]:
    """Raw files acquired since `since`, newest first, on one instrument or else of one project (at most `limit`)."""
    scope = {"instrument_id": instrument} if instrument else {"project_id": project} if project else {}
    return time_window(db.raw_file, scope, "created_at", newest_first=True, since=since, projection=projection,
                       limit=limit)


def instruments_of(db: Database, raw_file_ids: Iterable[str]) -> dict[str, str | None]:
    """The instrument of each raw file."""
    return {d["_id"]: d.get("instrument_id") for d in raw_files_by_ids(db, list(raw_file_ids), {"instrument_id": 1})}


def raw_files_in_statuses(db: Database, statuses: Iterable[str], projection: Mapping[str, Any] | None
                          ) -> dict[str, list[dict[str, Any]]]:
    """The raw files in each of `statuses` (one indexed equality query per status; an `$in` would scan the
    collection on the wire server of local runs, and so would a plain value instead of `$eq`). Meant for the
    unfinished statuses, which hold few files."""
    fields = dict(projection) if projection is not None else None
    return {status: list(db.raw_file.find({"status": {"$eq": status}}, fields)) for status in statuses}


def entity_heartbeats(db: Database) -> dict[str, dict[str, Any]]:
    """Every `kraken_status` document (instruments, file systems, jobs) by id."""
    return {doc["_id"]: doc for doc in db.kraken_status.find({})}


def metrics_documents(
    db: Database, raw_file_ids: list[str], projection: Mapping[str, Any] | None, *, since: datetime | None = None,
    batch: int = 1000,
) -> Iterator[dict[str, Any]]:
    """The `metrics` documents of the raw files.

    With `since` (metrics are written after the acquisition, so: the oldest acquisition among them), the documents
    written since then, newest first through the `created_at_` index; documents of other raw files come too (the
    caller drops them). Otherwise, for up to `NAME_RANGE_MAX_IDS`
    ids, the range of names from the smallest to the largest id (raw file names start with their date, so files
    acquired together lie close in name order), or one `$eq` per id when that range holds many more documents;
    for more ids `$in` batches of `batch` (which the wire server of local runs answers by reading the collection)."""
    if since is not None:
        yield from time_window(db.metrics, {}, "created_at_", newest_first=True, since=since, projection=projection)
        return
    if len(raw_file_ids) <= NAME_RANGE_MAX_IDS:
        yield from _metrics_by_name(db, raw_file_ids, projection)
        return
    for start in range(0, len(raw_file_ids), batch):
        yield from db.metrics.find({"raw_file": {"$in": raw_file_ids[start:start + batch]}}, projection)


def _metrics_by_name(db: Database, raw_file_ids: list[str], projection: Mapping[str, Any] | None
                     ) -> list[dict[str, Any]]:
    ids = sorted(set(raw_file_ids))
    if not ids:
        return []
    fields = None if projection is None else {**projection, "raw_file": 1}
    budget = NAME_RANGE_DOCUMENTS_PER_ID * len(ids)
    in_range = list(db.metrics.find({"raw_file": {"$gte": ids[0], "$lte": ids[-1]}}, fields).limit(budget + 1))
    if len(in_range) <= budget:
        wanted = set(ids)
        return [doc for doc in in_range if doc.get("raw_file") in wanted]
    return [doc for raw_file_id in ids for doc in db.metrics.find({"raw_file": {"$eq": raw_file_id}}, fields)]


def acquired_between(
    db: Database, projection: Mapping[str, Any], *, instrument: str | None = None, since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Raw files acquired in [since, until] (either end open), oldest first, on one instrument or on all."""
    scope = {"instrument_id": instrument} if instrument else {}
    # read newest first: a window of recent days then starts near the front of the index order (a deep skip costs
    # about 3 us per document passed on the wire server); ties by name, which no index orders
    docs = time_window(db.raw_file, scope, "created_at", newest_first=True, since=since, until=until,
                       projection=projection)
    return sorted(docs, key=lambda doc: (record_datetime(doc.get("created_at")), doc["_id"]))
