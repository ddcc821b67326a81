"""Which raw files a `/raw_files` request selects, newest first, one page at a time.

The overview's filters: instrument, project, status (a status or a group: `unfinished`, `failed`), acquisition
time bounds, and AlphaKraken's filter language (kraken_ui_ext/filter_language.py, the overview's own parser).
Instrument, project and a single status are equalities the database answers from its indexes; the time bounds
become positions in the newest-first order (kraken_core/record/api_reads.py). A status group alone is read status
by status from the index and merged; with time bounds or the filter language, the group and the filter are checked
here on each document of the walk. A page of equalities alone costs one count, one read and
a binary search per time bound; a page with checks here reads up to `MAX_SCAN` raw files and then says it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database

from kraken_core.record.api_reads import (
    count_raw_files, equal, metrics_of_each, position_of_time, raw_files_newest_first,
)
from kraken_ui_ext.companion.record_views import EPOCH, STATUS_GROUPS, merged_newest_first, status_matches
from kraken_ui_ext.filter_language import Filter
from kraken_ui_ext.key_metrics import TREND_METRICS

CHUNK = 500
METRICS_CHUNK = 100  # a filter on metrics reads each raw file's metrics: smaller steps, fewer reads past the page
MAX_SCAN = 5_000
METRIC_FIELDS = [field for metric in TREND_METRICS for field in metric.fields]


@dataclass(frozen=True)
class RawFileSelection:
    instrument_id: str | None = None
    project_id: str | None = None
    status: str | None = None  # a status value, or a group of STATUS_GROUPS
    matching: Filter = Filter()
    date_from: datetime | None = None  # acquired at or after
    date_to: datetime | None = None  # acquired at or before

    def indexed_query(self) -> dict[str, Any]:
        single_status = self.status if self.status and self.status not in STATUS_GROUPS else None
        return equal(instrument_id=self.instrument_id, project_id=self.project_id, status=single_status)

    @property
    def checked_here(self) -> bool:
        """Some filter is applied to the documents rather than by the database."""
        return self.status in STATUS_GROUPS or bool(self.matching)

    def keeps(self, doc: dict[str, Any], metrics: dict[str, Any] | None) -> bool:
        if self.status in STATUS_GROUPS and not status_matches(doc.get("status"), self.status):
            return False
        return self.matching.matches(doc, metrics)


@dataclass(frozen=True)
class RawFilePage:
    docs: list[dict[str, Any]]
    total: int | None  # None: not counted (filters checked here, `count` not asked, or the walk stopped)
    has_more: bool
    scanned: int  # raw files read to find the page (with filters checked here)
    truncated: bool = False  # the walk stopped at MAX_SCAN raw files: narrow the selection


def select_raw_files(db: Database, selection: RawFileSelection, projection: dict[str, Any] | None, *,
                     offset: int, limit: int, count: bool = False, max_scan: int = MAX_SCAN) -> RawFilePage:
    if (selection.status in STATUS_GROUPS and not selection.matching and not selection.date_from
            and not selection.date_to and offset + limit <= max_scan):
        return _group_of_statuses(db, selection, projection, offset, limit)
    query = selection.indexed_query()
    matching = count_raw_files(db, query)
    start = position_of_time(db, query, selection.date_to, matching, inclusive=False) if selection.date_to else 0
    end = (position_of_time(db, query, selection.date_from, matching, inclusive=True)
           if selection.date_from else matching)
    if not selection.checked_here:
        first = start + offset
        docs = raw_files_newest_first(db, query, projection, first, max(0, min(limit, end - first)))
        return RawFilePage(docs, max(0, end - start), first + len(docs) < end, len(docs))
    return _walk(db, selection, query, projection, start, end, offset, limit, count, max_scan)


def _group_of_statuses(db: Database, selection: RawFileSelection, projection: dict[str, Any] | None,
                       offset: int, limit: int) -> RawFilePage:
    """A status group without other checks: each status of the group read newest first from its index (as many as
    the page needs) and merged; `total` is the sum of their counts."""
    docs, total = [], 0
    for status in sorted(STATUS_GROUPS[selection.status]):
        query = {**selection.indexed_query(), **equal(status=status)}
        found = count_raw_files(db, query)
        total += found
        if found:
            docs += raw_files_newest_first(db, query, projection, 0, min(found, offset + limit))
    docs.sort(key=lambda d: d.get("created_at") or EPOCH, reverse=True)
    page = docs[offset:offset + limit]
    return RawFilePage(page, total, offset + len(page) < total, len(docs))


def _merged_metrics(db: Database, docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each raw file's metrics as the overview's filter sees them (the newest document, gaps from older ones)."""
    found = metrics_of_each(db, [d["_id"] for d in docs])
    return {rid: merged_newest_first(found_docs, METRIC_FIELDS) for rid, found_docs in found.items() if found_docs}


def _walk(db: Database, selection: RawFileSelection, query: dict[str, Any], projection: dict[str, Any] | None,
          start: int, end: int, offset: int, limit: int, count: bool, max_scan: int) -> RawFilePage:
    """Read the selection's positions [start, end) in chunks, keep the documents that pass the checks here."""
    kept: list[dict[str, Any]] = []
    found, scanned, position, has_more = 0, 0, start, False
    step = METRICS_CHUNK if selection.matching.needs_metrics else CHUNK
    while position < end and scanned < max_scan:
        chunk = raw_files_newest_first(db, query, projection, position, min(step, end - position, max_scan - scanned))
        if not chunk:
            break
        position += len(chunk)
        scanned += len(chunk)
        metrics = _merged_metrics(db, chunk) if selection.matching.needs_metrics else {}
        for doc in chunk:
            if not selection.keeps(doc, metrics.get(doc["_id"])):
                continue
            found += 1
            if offset < found <= offset + limit:
                kept.append(doc)
            elif found > offset + limit:
                has_more = True
        if has_more and not count:
            break
    truncated = position < end and scanned >= max_scan
    total = found if count and not truncated else None
    return RawFilePage(kept, total, has_more or truncated, scanned, truncated)
