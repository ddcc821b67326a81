"""Metrics documents (one per raw file and settings) attached to raw files, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kraken_core.quanting.metric_names import with_alphakraken_names
from mcp_server.record_reader import RecordReader

# Fields of a metrics document that say where its numbers come from (kraken_core.record.quanting_jobs), not metrics.
BOOKKEEPING_FIELDS = frozenset({"_id", "raw_file", "settings_name", "settings_version", "settings_id", "type",
                                "output_path", "slurm_job_id", "created_at_", "updated_at_"})
BASIC_METRICS = ("proteins", "precursors", "gradient_length")
ID_CHUNK = 500


def _created(doc: dict[str, Any]) -> datetime | str:
    return doc.get("created_at_") or ""


def metrics_by_raw_file(reader: RecordReader, raw_file_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """All metrics documents of these raw files, newest first per raw file, in few queries.

    Metric names are AlphaKraken's (`optimization:ms1_error`, ...), also for documents stored under older names.
    """
    ids = list(dict.fromkeys(raw_file_ids))
    found: dict[str, list[dict[str, Any]]] = {raw_file_id: [] for raw_file_id in ids}
    for start in range(0, len(ids), ID_CHUNK):
        for doc in reader.find("metrics", {"raw_file": {"$in": ids[start : start + ID_CHUNK]}}):
            found.setdefault(doc["raw_file"], []).append(with_alphakraken_names(doc))
    for docs in found.values():
        docs.sort(key=_created, reverse=True)
    return found


def latest_per_settings(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest metrics document per (settings name, version); `docs` must be newest first."""
    seen: set[tuple[Any, Any]] = set()
    latest = []
    for doc in docs:
        key = (doc.get("settings_name"), doc.get("settings_version"))
        if key not in seen:
            seen.add(key)
            latest.append(doc)
    return latest


def metric_values(doc: dict[str, Any], only_basic: bool = False) -> dict[str, Any]:
    if only_basic:
        return {name: doc[name] for name in BASIC_METRICS if name in doc}
    return {name: value for name, value in doc.items() if name not in BOOKKEEPING_FIELDS}


def metrics_entry(doc: dict[str, Any], only_basic: bool = False) -> dict[str, Any]:
    return {
        "settings_name": doc.get("settings_name"),
        "settings_version": doc.get("settings_version"),
        "metrics_type": doc.get("type"),
        "slurm_job_id": doc.get("slurm_job_id"),
        "output_path": doc.get("output_path"),
        "created_at": doc.get("created_at_"),
        "values": metric_values(doc, only_basic),
    }


def numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def numeric_metric_names(docs: list[dict[str, Any]]) -> set[str]:
    return {name for doc in docs for name, value in metric_values(doc).items() if numeric(value) is not None}


def gradient_matches(docs: list[dict[str, Any]], gradient_length: float, tolerance: float = 0.05) -> bool:
    """True when any metrics document's gradient length (minutes) is within ±tolerance of `gradient_length`."""
    for doc in docs:
        value = numeric(doc.get("gradient_length"))
        if value is not None and abs(value - gradient_length) <= tolerance * gradient_length:
            return True
    return False
