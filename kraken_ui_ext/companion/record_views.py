"""Shared reads of the record for the companion pages: metrics of raw files, status groups, lags.

Queries use one indexed field range (plus at most one equality) and projections; everything finer is
filtered in Python, because an `$in` or `$regex` next to the range makes the wire server scan the collection.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from kraken_core.record.record_reads import metrics_documents
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import NON_TERMINAL_STATUSES, RawFileStatus

FAILED_STATUSES = frozenset({RawFileStatus.ACQUISITION_FAILED, RawFileStatus.QUANTING_FAILED, RawFileStatus.ERROR})
STATUS_GROUPS = {
    "unfinished": frozenset(str(s) for s in NON_TERMINAL_STATUSES),
    "failed": frozenset(str(s) for s in FAILED_STATUSES),
}
ALL_STATUSES = tuple(str(s) for s in RawFileStatus)
METRICS_BATCH = 2000
RANGE_JOIN_MIN_IDS = 400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def status_class(status: str | None) -> str:
    """The colour class of a status: done, not quanted/ignored, failed, or in progress."""
    if status == RawFileStatus.DONE:
        return "st-done"
    if status in (RawFileStatus.DONE_NOT_QUANTED, RawFileStatus.IGNORED):
        return "st-notquanted"
    if status in STATUS_GROUPS["failed"]:
        return "st-failed"
    return "st-running"


def status_matches(status: str | None, wanted: str) -> bool:
    if not wanted:
        return True
    if wanted in STATUS_GROUPS:
        return status in STATUS_GROUPS[wanted]
    return status == wanted


def _created(doc: dict[str, Any]) -> datetime:
    return record_datetime(doc.get("created_at_")) or EPOCH


def latest_metrics(db: Database, raw_file_ids: Sequence[str], fields: Iterable[str],
                   since: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The newest metrics document of each raw file, with each of `fields` from the newest document that has it.

    Several documents exist when several settings ran (AlphaDIA and MSQC side by side, a re-quantification):
    the newest one may be another tool's, so a field it lacks (or holds as null) is taken from the newest older
    document that has a value. With `since` (the oldest acquisition among the raw files) and many ids, one indexed
    range query on `metrics.created_at_` replaces the `$in` batches: metrics are always written after the
    acquisition, and documents of other raw files are dropped here. For a page of rows, `$in` on `raw_file` is
    cheaper.
    """
    fields = list(fields)
    # a projection cannot name a field whose name holds a dot (AlphaDIA's `raw.gradient_length_m`): whole documents
    projection = None if any("." in f for f in fields) else {
        "raw_file": 1, "created_at_": 1, "settings_name": 1, "settings_version": 1, "type": 1, **{f: 1 for f in fields}}
    ids = list(raw_file_ids)
    by_range = since is not None and len(ids) > RANGE_JOIN_MIN_IDS
    wanted = set(ids)
    per_raw_file: dict[str, list[dict[str, Any]]] = {}
    for doc in metrics_documents(db, ids, projection, since=since if by_range else None, batch=METRICS_BATCH):
        if doc.get("raw_file") in wanted:
            per_raw_file.setdefault(doc["raw_file"], []).append(doc)
    return {raw_file_id: merged_newest_first(docs, fields) for raw_file_id, docs in per_raw_file.items()}


def merged_newest_first(docs: list[dict[str, Any]], fields: list[str]) -> dict[str, Any]:
    """One raw file's `metrics` documents (at least one) as one: the newest, with each of `fields` it lacks taken
    from the newest older document that has it."""
    if len(docs) == 1:
        return dict(docs[0])
    docs = sorted(docs, key=_created, reverse=True)
    merged = dict(docs[0])
    for field in fields:
        older = next((doc[field] for doc in docs[1:] if doc.get(field) is not None), None)
        if merged.get(field) is None and older is not None:
            merged[field] = older
    return merged


def processing_lag(doc: dict[str, Any]) -> timedelta | None:
    """Acquisition to final status, for raw files that reached one (`updated_at_` of a terminal status)."""
    created, updated = record_datetime(doc.get("created_at")), record_datetime(doc.get("updated_at_"))
    if doc.get("status") in STATUS_GROUPS["unfinished"] or created is None or updated is None:
        return None
    return updated - created


def median_lags(docs: Iterable[dict[str, Any]]) -> dict[str | None, timedelta]:
    """Median lag of done raw files per instrument, plus an overall median under the key None."""
    per_instrument: dict[str | None, list[float]] = {}
    for doc in docs:
        if doc.get("status") != RawFileStatus.DONE:
            continue
        lag = processing_lag(doc)
        if lag is not None:
            seconds = lag.total_seconds()
            per_instrument.setdefault(doc.get("instrument_id"), []).append(seconds)
            per_instrument.setdefault(None, []).append(seconds)
    return {key: timedelta(seconds=statistics.median(values)) for key, values in per_instrument.items()}


def format_duration(delta: timedelta) -> str:
    """A duration as people read it: `< 1 min`, `12 min`, `3 h 05 min`, `4 d 2 h` (the sign is dropped)."""
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"
