"""Read queries of the pages and tools that browse the record (companion, MCP): their shapes live here, beside
the indexes that serve them (`indexes.py`), not in the views."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from kraken_core.record.raw_files import raw_files_by_ids


def acquired_since(
    db: Database, since: datetime, projection: Mapping[str, Any], *, instrument: str | None = None,
    project: str | None = None, limit: int | None = None,
) -> list[dict[str, Any]]:
    """Raw files acquired since `since`, newest first, on one instrument or else of one project (at most `limit`)."""
    query: dict[str, Any] = {"created_at": {"$gte": since}}
    # `$eq`: served from the index by the wire server of local runs too (a plain value makes it scan)
    if instrument:
        query["instrument_id"] = {"$eq": instrument}
    elif project:
        query["project_id"] = {"$eq": project}
    cursor = db.raw_file.find(query, dict(projection)).sort("created_at", DESCENDING)
    return list(cursor.limit(limit) if limit else cursor)


def instruments_of(db: Database, raw_file_ids: Iterable[str]) -> dict[str, str | None]:
    """The instrument of each raw file."""
    return {d["_id"]: d.get("instrument_id") for d in raw_files_by_ids(db, list(raw_file_ids), {"instrument_id": 1})}


def raw_files_in_statuses(db: Database, statuses: Iterable[str], projection: Mapping[str, Any]
                          ) -> dict[str, list[dict[str, Any]]]:
    """The raw files in each of `statuses` (one indexed equality query per status; an `$in` would scan the
    collection). Meant for the unfinished statuses, which hold few files."""
    return {status: list(db.raw_file.find({"status": status}, dict(projection))) for status in statuses}


def entity_heartbeats(db: Database) -> dict[str, dict[str, Any]]:
    """Every `kraken_status` document (instruments, file systems, jobs) by id."""
    return {doc["_id"]: doc for doc in db.kraken_status.find({})}


def metrics_documents(
    db: Database, raw_file_ids: list[str], projection: Mapping[str, Any] | None, *, since: datetime | None = None,
    batch: int = 1000,
) -> Iterator[dict[str, Any]]:
    """The `metrics` documents of the raw files: with `since`, from one range query on `created_at_` (documents
    of other raw files may come too: the caller drops them), else in `$in` batches of `batch` ids."""
    if since is not None:
        yield from db.metrics.find({"created_at_": {"$gte": since}}, projection)
        return
    if len(raw_file_ids) == 1:  # `$eq`, not `$in`: the wire server of local runs serves only `$eq` from its index
        yield from db.metrics.find({"raw_file": {"$eq": raw_file_ids[0]}}, projection)
        return
    for start in range(0, len(raw_file_ids), batch):
        yield from db.metrics.find({"raw_file": {"$in": raw_file_ids[start:start + batch]}}, projection)


def acquired_between(
    db: Database, projection: Mapping[str, Any], *, instrument: str | None = None, since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Raw files acquired in [since, until] (either end open), oldest first, on one instrument or on all."""
    query: dict[str, Any] = {}
    if instrument:
        query["instrument_id"] = {"$eq": instrument}
    when = {**({"$gte": since} if since else {}), **({"$lte": until} if until else {})}
    if when:
        query["created_at"] = when
    return list(db.raw_file.find(query, dict(projection)).sort([("created_at", 1), ("_id", 1)]))
