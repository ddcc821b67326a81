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
ID_CHUNK = 500
# AlphaKraken's MCP answer for a raw file: `only_basic_metrics` keeps these; fields ending in one of the hidden
# suffixes are left out (also when prefixed), and so are the fields this platform adds to a metrics document
ALPHAKRAKEN_BASIC_METRICS = ("proteins", "gradient_length")
ALPHAKRAKEN_HIDDEN_SUFFIXES = ("_id", "raw_file", "created_at_")
OUR_EXTRA_FIELDS = frozenset({"updated_at_", "migrated_conflicts"})
ALPHADIA_1_GRADIENT = "raw:gradient_length_m"
GRADIENT_TOLERANCE = 0.05


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


def metric_values(doc: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in doc.items() if name not in BOOKKEEPING_FIELDS}


def metrics_entry(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "settings_name": doc.get("settings_name"),
        "settings_version": doc.get("settings_version"),
        "metrics_type": doc.get("type"),
        "slurm_job_id": doc.get("slurm_job_id"),
        "output_path": doc.get("output_path"),
        "created_at": doc.get("created_at_"),
        "values": metric_values(doc),
    }


def alphakraken_metrics(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """A raw file's metrics as AlphaKraken's MCP server answers them: the newest document per metrics `type`
    (`docs` newest first), flattened into one mapping; a name an earlier type already holds gets `{type}_` in
    front. AlphaDIA 1's `raw:gradient_length_m` is `gradient_length`."""
    newest_per_type: dict[str, dict[str, Any]] = {}
    for doc in docs:
        newest_per_type.setdefault(doc.get("type", "default"), doc)
    flat: dict[str, Any] = {}
    for metrics_type, doc in newest_per_type.items():
        for name, value in doc.items():
            if name == "type" or name in OUR_EXTRA_FIELDS:
                continue
            flat[name if name not in flat else f"{metrics_type}_{name}"] = value
    if ALPHADIA_1_GRADIENT in flat:
        flat["gradient_length"] = flat.pop(ALPHADIA_1_GRADIENT)
    return flat


def alphakraken_metric_values(flat: dict[str, Any], only_basic: bool) -> dict[str, Any]:
    """What AlphaKraken shows of flattened metrics: no ids, raw file or creation time; `only_basic`: proteins and
    gradient length only."""
    return {name: value for name, value in flat.items()
            if not name.endswith(ALPHAKRAKEN_HIDDEN_SUFFIXES)
            and (not only_basic or name in ALPHAKRAKEN_BASIC_METRICS)}


def numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def numeric_metric_names(docs: list[dict[str, Any]]) -> set[str]:
    return {name for doc in docs for name, value in metric_values(doc).items() if numeric(value) is not None}


def gradient_matches(flat: dict[str, Any], gradient_length: float) -> bool:
    """AlphaKraken's gradient filter: the asked length within ±5 % of the raw file's `gradient_length`
    (minutes); a raw file without one does not match."""
    value = numeric(flat.get("gradient_length"))
    return value is not None and value * (1 - GRADIENT_TOLERANCE) <= gradient_length <= value * (1 + GRADIENT_TOLERANCE)
