"""The points of QC series in the record: `qc_point`, one document per series, instrument, settings version and
raw file, with the file's acquisition time and its numeric metrics (AlphaKraken's names).

A point is written when the file is judged, so reading a series costs two indexed queries of a few dozen
documents (the baseline's first files, the files before the judged one), however many raw files the record holds.
The first judgement in a series that has no points yet (a series just configured on an existing record) fills
them once from `raw_file` and `metrics`: the instrument's files matched by name, each with its newest document
of the settings version. The pattern is part of the key: a changed pattern starts a series of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.database import Database

from kraken_core.numbers import finite_number
from kraken_core.qc.baseline import QcPoint
from kraken_core.quanting.metric_names import with_alphakraken_names
from kraken_core.record.record_reads import metrics_documents
from kraken_core.record.time_window import time_window

COLLECTION = "qc_point"
# bookkeeping fields of a `metrics` document that are not metrics
NOT_METRICS = {"_id", "raw_file", "settings_name", "settings_version", "settings_id", "type", "output_path",
               "slurm_job_id", "created_at_"}
QC_POINT_INDEXES: dict[str, list[IndexModel]] = {
    COLLECTION: [
        IndexModel([("series_key", ASCENDING), ("acquired_at", ASCENDING), ("raw_file", ASCENDING)],
                   name="series_key_acquired_at"),
        # a judged file's point, written (or replaced) once per judgement
        IndexModel([("series_key", ASCENDING), ("raw_file", ASCENDING)], name="series_key_raw_file"),
        # the series of an instrument (the companion's control-chart choices)
        IndexModel([("instrument_id", ASCENDING), ("series", ASCENDING)], name="instrument_series"),
    ],
}


@dataclass(frozen=True)
class SeriesKey:
    series: str
    pattern: str
    instrument_id: str
    settings_name: str
    settings_version: Any

    @property
    def text(self) -> str:
        """One string for the key, so every read is one equality and a range on one index."""
        return json.dumps([self.series, self.pattern, self.instrument_id, self.settings_name, self.settings_version],
                          default=str)

    def query(self) -> dict[str, Any]:
        # `$eq` means the same as a plain value to MongoDB; the MongoDB-compatible wire server of local runs and
        # tests serves only the `$eq` form from the index (a plain value may match array elements there: a scan)
        return {"series_key": {"$eq": self.text}}


def series_name_of(raw_file: Mapping[str, Any]) -> str:
    """The name a series' pattern is matched against: the file's name on the instrument."""
    return raw_file.get("original_name") or raw_file["_id"]


def metric_values(doc: Mapping[str, Any]) -> dict[str, float]:
    """Every metric of a `metrics` document that is a finite number, under AlphaKraken's names."""
    named = with_alphakraken_names(doc)
    return {name: number for name, value in named.items()
            if name not in NOT_METRICS and (number := finite_number(value)) is not None}


def _point(doc: Mapping[str, Any]) -> QcPoint:
    return QcPoint(doc["raw_file"], doc["acquired_at"], doc.get("values") or {})


def _document(key: SeriesKey, point: QcPoint) -> dict[str, Any]:
    return {"series_key": key.text, **asdict(key), "raw_file": point.raw_file_id, "acquired_at": point.acquired_at,
            "values": {name.replace(".", ":"): value for name, value in point.values.items()}}


def record_point(db: Database, key: SeriesKey, point: QcPoint) -> None:
    """Write (or, after a re-quantification, replace) the file's point in the series."""
    db[COLLECTION].replace_one({**key.query(), "raw_file": {"$eq": point.raw_file_id}}, _document(key, point),
                               upsert=True)


def has_points(db: Database, key: SeriesKey) -> bool:
    return db[COLLECTION].find_one(key.query(), {"_id": 1}) is not None


def first_points(db: Database, key: SeriesKey, since: datetime | None, until: datetime | None,
                 limit: int) -> list[QcPoint]:
    """Oldest first from `since` (up to `until`), at most `limit`: a baseline."""
    return _range(db, key, since, until, ASCENDING, limit)


def points_before(db: Database, key: SeriesKey, until: datetime, since: datetime | None, limit: int) -> list[QcPoint]:
    """The newest `limit` points acquired at or before `until` (and at or after `since`), oldest first."""
    return list(reversed(_range(db, key, since, until, DESCENDING, limit)))


def newest_point(db: Database, key: SeriesKey) -> QcPoint | None:
    """The series' most recently acquired point."""
    for doc in db[COLLECTION].find(key.query(), {"raw_file": 1, "acquired_at": 1, "values": 1}).sort(
            [("acquired_at", DESCENDING), ("raw_file", DESCENDING)]).limit(1):
        return _point(doc)
    return None


def series_points(db: Database, key: SeriesKey, limit: int) -> list[QcPoint]:
    """The series' newest `limit` points, oldest first (a control chart)."""
    return list(reversed(_range(db, key, None, None, DESCENDING, limit)))


def series_keys(db: Database, instrument_id: str | None = None) -> list[SeriesKey]:
    """Every series with points (of one instrument), by series name, instrument, settings name and version."""
    query = {"instrument_id": {"$eq": instrument_id}} if instrument_id else {}
    # a $group, not `distinct`: the wire server's distinct splits a string that reads as a JSON array
    grouped = db[COLLECTION].aggregate([{"$match": query}, {"$group": {"_id": "$series_key"}}])
    keys = [SeriesKey(*json.loads(doc["_id"])) for doc in grouped]
    return sorted(keys, key=lambda k: (k.series, k.instrument_id, str(k.settings_name), str(k.settings_version)))


def _range(db: Database, key: SeriesKey, since: datetime | None, until: datetime | None, order: int,
           limit: int) -> list[QcPoint]:
    docs = time_window(db[COLLECTION], {"series_key": key.text}, "acquired_at", newest_first=order == DESCENDING,
                       since=since, until=until, projection={"raw_file": 1, "acquired_at": 1, "values": 1},
                       limit=limit, then_by="raw_file")
    return [_point(doc) for doc in docs]


def fill_series(db: Database, key: SeriesKey) -> int:
    """Every point of the series from `raw_file` and `metrics` (a scan of the instrument's files, done once per
    series); returns how many were written."""
    pattern = re.compile(key.pattern)
    of_instrument = db.raw_file.find({"instrument_id": {"$eq": key.instrument_id}},
                                     {"original_name": 1, "created_at": 1})
    raw_files = [doc for doc in of_instrument
                 if doc.get("created_at") is not None and pattern.search(series_name_of(doc))]
    acquired = {doc["_id"]: doc["created_at"] for doc in raw_files}
    newest: dict[str, dict[str, Any]] = {}
    for doc in metrics_documents(db, list(acquired), None):
        if doc.get("settings_name") != key.settings_name or doc.get("settings_version") != key.settings_version:
            continue
        held = newest.get(doc["raw_file"])
        if held is None or _newer(doc, held):
            newest[doc["raw_file"]] = doc
    writes = [UpdateOne({**key.query(), "raw_file": {"$eq": rid}},
                        {"$set": _document(key, QcPoint(rid, acquired[rid], metric_values(doc)))}, upsert=True)
              for rid, doc in newest.items()]
    for start in range(0, len(writes), 1000):
        db[COLLECTION].bulk_write(writes[start:start + 1000], ordered=False)
    return len(writes)


def _newer(doc: Mapping[str, Any], held: Mapping[str, Any]) -> bool:
    """A re-quantification replaces the document; one without `created_at_` counts as oldest."""
    written, held_written = doc.get("created_at_"), held.get("created_at_")
    return held_written is None or (written is not None and written >= held_written)
