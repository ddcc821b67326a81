"""The points of a QC series as the record holds them: an instrument's raw files acquired in a time range whose
name matches the series' pattern, each with the newest `metrics` document of the series' settings version."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from kraken_core.numbers import finite_number
from kraken_core.qc.baseline import QcPoint
from kraken_core.quanting.metric_names import with_alphakraken_names
from kraken_core.record.record_reads import metrics_documents

RAW_FILE_PROJECTION = {"original_name": 1, "created_at": 1}


def series_name_of(raw_file: Mapping[str, Any]) -> str:
    """The name a series' pattern is matched against: the file's name on the instrument."""
    return raw_file.get("original_name") or raw_file["_id"]


def metric_values(doc: Mapping[str, Any], metrics: Iterable[str]) -> dict[str, float]:
    """The listed metrics of a `metrics` document that are finite numbers, under AlphaKraken's names."""
    named = with_alphakraken_names(doc)
    return {metric: value for metric in metrics if (value := finite_number(named.get(metric))) is not None}


def _newer(doc: Mapping[str, Any], held: Mapping[str, Any]) -> bool:
    """A re-quantification replaces the document; one without `created_at_` counts as oldest."""
    written, held_written = doc.get("created_at_"), held.get("created_at_")
    return held_written is None or (written is not None and written >= held_written)


def series_points(db: Database, *, instrument_id: str, pattern: re.Pattern[str], settings_name: str,
                  settings_version: Any, metrics: Iterable[str], since: datetime | None, until: datetime
                  ) -> list[QcPoint]:
    """Oldest first (acquisition time, then raw file id); raw files without a document of these settings are left
    out. One indexed range query on raw_file (instrument, created_at) and `$in` batches on metrics."""
    when: dict[str, datetime] = {"$lte": until}
    if since is not None:
        when["$gte"] = since
    raw_files = [doc for doc in db.raw_file.find({"instrument_id": instrument_id, "created_at": when},
                                                 RAW_FILE_PROJECTION).sort("created_at", ASCENDING)
                 if pattern.search(series_name_of(doc))]
    newest: dict[str, dict[str, Any]] = {}
    projection = None  # metric names vary by tool; whole documents are small
    for doc in metrics_documents(db, [d["_id"] for d in raw_files], projection):
        if doc.get("settings_name") != settings_name or doc.get("settings_version") != settings_version:
            continue
        held = newest.get(doc["raw_file"])
        if held is None or _newer(doc, held):
            newest[doc["raw_file"]] = doc
    metrics = list(metrics)
    points = [QcPoint(d["_id"], d["created_at"], metric_values(newest[d["_id"]], metrics))
              for d in raw_files if d["_id"] in newest]
    return sorted(points, key=lambda p: (p.acquired_at, p.raw_file_id))
