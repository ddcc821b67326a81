"""`instrument_annotation`: events operators record on an instrument (column change, source cleaning, calibration,
maintenance, new lot, or a free-text note), each with the time it happened.

A collection of its own (AlphaKraken has none). An annotation of a kind in `qc.baseline_reset_kinds` starts a new
baseline of the instrument's QC series (kraken_core/qc/baseline.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

from kraken_core.qc.annotation_kinds import ANNOTATION_KINDS, AnnotationKind
from kraken_core.record.timestamps import record_datetime

COLLECTION = "instrument_annotation"
TEXT_LIMIT = 2000
ANNOTATION_INDEXES: dict[str, list[IndexModel]] = {
    # the newest resetting annotation of an instrument before a time; an instrument's annotations in a time range
    COLLECTION: [
        IndexModel([("instrument_id", ASCENDING), ("occurred_at", DESCENDING)], name="instrument_occurred_at"),
        # REST API: every instrument's annotations, newest first
        IndexModel([("occurred_at", DESCENDING)], name="occurred_at"),
    ],
}


class AnnotationError(ValueError):
    """An annotation that cannot be recorded; the message says what to change."""


def add_annotation(db: Database, *, instrument_id: str, kind: str, occurred_at: datetime, text: str = "",
                   created_by: str | None = None, known_instruments: Iterable[str] | None = None) -> dict[str, Any]:
    if known_instruments is not None and instrument_id not in set(known_instruments):
        raise AnnotationError(f"instrument {instrument_id!r} is not configured; known: "
                              f"{', '.join(sorted(known_instruments)) or '(none)'}")
    if kind not in ANNOTATION_KINDS:
        raise AnnotationError(f"kind {kind!r} is not one of {', '.join(ANNOTATION_KINDS)}")
    text = text.strip()
    if kind == AnnotationKind.NOTE and not text:
        raise AnnotationError("a note needs its text")
    if len(text) > TEXT_LIMIT:
        raise AnnotationError(f"the text has {len(text)} characters; at most {TEXT_LIMIT}")
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    doc = {"_id": ObjectId(), "instrument_id": instrument_id, "kind": kind, "occurred_at": occurred_at,
           "text": text, "created_by": created_by, "created_at_": datetime.now(UTC)}
    db[COLLECTION].insert_one(doc)
    return doc


def annotations_of(db: Database, instrument_id: str, since: datetime | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """The instrument's annotations in the range, oldest first."""
    when: dict[str, datetime] = {}
    if since is not None:
        when["$gte"] = since
    if until is not None:
        when["$lte"] = until
    query: dict[str, Any] = {"instrument_id": {"$eq": instrument_id}, **({"occurred_at": when} if when else {})}
    return list(db[COLLECTION].find(query).sort("occurred_at", ASCENDING))


def latest_reset(db: Database, instrument_id: str, kinds: Iterable[str], at: datetime) -> datetime | None:
    """When the newest annotation of one of `kinds` at or before `at` happened, or None."""
    kinds = list(kinds)
    if not kinds:
        return None
    # `$eq` and no time range: the wire server of local runs serves the equality and the sort from the index but
    # compares every document for a range; annotations after `at` (a late or older file judged) are passed over
    query = {"instrument_id": {"$eq": instrument_id}, "kind": {"$in": kinds}}
    with db[COLLECTION].find(query, {"occurred_at": 1}).sort("occurred_at", DESCENDING).batch_size(20) as cursor:
        for doc in cursor:
            when = record_datetime(doc.get("occurred_at"))
            if when is not None and when <= at:
                return when
    return None


def delete_annotation(db: Database, annotation_id: str) -> bool:
    """Remove a mistaken annotation; True when one was removed."""
    try:
        key = ObjectId(annotation_id)
    except Exception as err:
        raise AnnotationError(f"{annotation_id!r} is not an annotation id (24 hex digits, as `list` shows)") from err
    return db[COLLECTION].delete_one({"_id": key}).deleted_count == 1
