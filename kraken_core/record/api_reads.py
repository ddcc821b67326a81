"""Reads of the REST API (kraken_ui_ext/api): raw files newest first in pages, their metrics, annotations.

Every query is an equality (`$eq`) on indexed fields, sorted by an indexed time, paged with skip and limit, or a
range of raw file names on the metrics' index. No time range, `$in`, `$or` or `$regex` reaches the database: the test MongoDB wire server answers those by reading the
whole collection (a plain `{field: value}` too, since it also matches arrays; an explicit `$eq` does not), so a
time bound is found as a position in the sorted order by a binary search of skips, and finer filters are applied
by the caller on the documents of each page. MongoDB answers the same queries from its indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from kraken_core.record.annotations import COLLECTION as ANNOTATIONS


def equal(**fields: Any) -> dict[str, Any]:
    """A query of equalities on the given fields (None: not filtered)."""
    return {name: {"$eq": value} for name, value in fields.items() if value is not None}


def raw_files_newest_first(db: Database, query: Mapping[str, Any], projection: Mapping[str, Any] | None,
                           skip: int, limit: int) -> list[dict[str, Any]]:
    """Raw files matching `query` (equalities), newest acquisition first, from position `skip`."""
    cursor = db.raw_file.find(dict(query), dict(projection) if projection is not None else None)
    return list(cursor.sort("created_at", DESCENDING).skip(skip).limit(limit))


def count_raw_files(db: Database, query: Mapping[str, Any]) -> int:
    """How many raw files match `query` (equalities): the `count` command, which both MongoDB and the test wire
    server answer from an index (`count_documents` is an aggregation the wire server runs over every document);
    without a filter the collection's own count."""
    if not query:
        return db.raw_file.estimated_document_count()
    return int(db.command("count", "raw_file", query=dict(query))["n"])


def position_of_time(db: Database, query: Mapping[str, Any], when: datetime, matching: int, *,
                     inclusive: bool) -> int:
    """How many of the `matching` raw files of `query` were acquired after `when` (or at it, when `inclusive`):
    where the files acquired before it begin in the newest-first order.

    A search by one-field reads at chosen positions. Raw files arrive at a fairly steady pace, so each step guesses
    the position from the acquisition times at the ends of the interval still open (interpolation), and every
    other step halves it, so the search never takes more than about twice the steps of a binary search (18 for
    200,000 raw files) and usually a handful. Deep positions cost a skip each, hence the fewer the better."""

    def acquired(position: int) -> datetime | None:
        docs = raw_files_newest_first(db, query, {"created_at": 1}, position, 1)
        return docs[0].get("created_at") if docs else None

    def after(created: datetime | None) -> bool:
        return created is not None and (created > when or (inclusive and created == when))

    low, high = 0, matching  # positions before `low` are after `when`, positions from `high` on are not
    newest = oldest = None  # acquisition times just before `low` and at `high`
    halve = False
    while low < high:
        middle = (low + high) // 2
        if not halve and newest is not None and oldest is not None and newest > oldest:
            share = (newest - when) / (newest - oldest)
            middle = min(high - 1, max(low, low + int(share * (high - low))))
        halve = not halve
        created = acquired(middle)
        if after(created):
            low, newest = middle + 1, created
        else:
            high, oldest = middle, created
    return low


def metrics_of_each(db: Database, raw_file_ids: Iterable[str], range_budget_per_id: int = 8
                    ) -> dict[str, list[dict[str, Any]]]:
    """Every `metrics` document of each raw file, oldest first.

    First one indexed range on `raw_file` from the smallest to the largest of the ids, read up to
    `range_budget_per_id` documents per id: raw file names usually start with the acquisition date, so the
    metrics of a page of raw files acquired together lie close in name order and this one read holds them all
    (documents of other raw files in between are dropped). When the range holds more (names far apart), one indexed
    equality per raw file instead (a sort in the query would make the wire server leave the index: sorted here)."""
    ids = sorted(set(raw_file_ids))
    found: dict[str, list[dict[str, Any]]] = {raw_file_id: [] for raw_file_id in ids}
    budget = range_budget_per_id * len(ids)
    in_range = list(db.metrics.find({"raw_file": {"$gte": ids[0], "$lte": ids[-1]}}).limit(budget + 1)) if ids else []
    if len(in_range) <= budget:
        for doc in in_range:
            if doc.get("raw_file") in found:
                found[doc["raw_file"]].append(doc)
    else:
        for raw_file_id in ids:
            found[raw_file_id] = list(db.metrics.find(equal(raw_file=raw_file_id)))
    return {rid: sorted(docs, key=lambda d: (d.get("created_at_") is not None, d.get("created_at_")))
            for rid, docs in found.items()}


def newest_raw_file(db: Database, instrument_id: str) -> dict[str, Any] | None:
    """The instrument's most recently acquired raw file (id, time, status)."""
    docs = raw_files_newest_first(db, equal(instrument_id=instrument_id), {"created_at": 1, "status": 1}, 0, 1)
    return docs[0] if docs else None


def annotations_newest_first(db: Database, *, instrument_id: str | None, kind: str | None,
                             since: datetime | None, until: datetime | None, skip: int,
                             limit: int) -> list[dict[str, Any]]:
    """Instrument annotations, newest first, of one instrument and kind (or all) in [since, until].

    A lab records a few annotations a week, so the time bounds are checked here on the instrument's annotations
    rather than as a range (which the wire server cannot take from the index)."""
    cursor = db[ANNOTATIONS].find(equal(instrument_id=instrument_id, kind=kind)).sort("occurred_at", DESCENDING)
    kept = []
    for doc in cursor:
        occurred = doc.get("occurred_at")
        if until is not None and (occurred is None or occurred > until):
            continue
        if since is not None and (occurred is None or occurred < since):
            break
        kept.append(doc)
        if len(kept) >= skip + limit:
            break
    return kept[skip:]
