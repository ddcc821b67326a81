"""Reads of the REST API (kraken_ui_ext/api): raw files newest first in pages, their metrics, annotations.

Every query is an equality (`$eq`) on indexed fields, sorted by an indexed time, paged with skip and limit, or a
range of raw file names on the metrics' index. No time range, `$in`, `$or` or `$regex` reaches the database: the
test MongoDB wire server answers those by reading the whole collection (a plain `{field: value}` too, since it also
matches arrays; an explicit `$eq` does not), so a time bound is found as a position in the sorted order
(kraken_core/record/time_window.py), and finer filters are applied by the caller on the documents of each page.
MongoDB answers the same queries from its indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from kraken_core.record.annotations import COLLECTION as ANNOTATIONS
from kraken_core.record.record_reads import metrics_documents
from kraken_core.record.time_window import count_matching, equal, position_where, sorted_page


RAW_FILES_NEWEST_FIRST = [("created_at", DESCENDING)]


def raw_files_newest_first(db: Database, query: Mapping[str, Any], projection: Mapping[str, Any] | None,
                           skip: int, limit: int) -> list[dict[str, Any]]:
    """Raw files matching `query` (equalities), newest acquisition first, from position `skip`."""
    return sorted_page(db.raw_file, query, RAW_FILES_NEWEST_FIRST, projection, skip, limit)


def count_raw_files(db: Database, query: Mapping[str, Any]) -> int:
    """How many raw files match `query` (equalities), from an index."""
    return count_matching(db.raw_file, query)


def position_of_time(db: Database, query: Mapping[str, Any], when: datetime, matching: int, *,
                     inclusive: bool) -> int:
    """How many of the `matching` raw files of `query` were acquired after `when` (or at it, when `inclusive`):
    where the files acquired before it begin in the newest-first order."""

    def after(created: datetime | None) -> bool:
        return created is not None and (created > when or (inclusive and created == when))

    return position_where(db.raw_file, query, RAW_FILES_NEWEST_FIRST, "created_at", after, when, matching)


def metrics_of_each(db: Database, raw_file_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Every `metrics` document of each raw file, oldest first."""
    ids = sorted(set(raw_file_ids))
    found: dict[str, list[dict[str, Any]]] = {raw_file_id: [] for raw_file_id in ids}
    for doc in metrics_documents(db, ids, None):
        if doc.get("raw_file") in found:
            found[doc["raw_file"]].append(doc)
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
