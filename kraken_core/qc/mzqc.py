"""An mzQC 1.0 document (HUPO-PSI's JSON format for QC metrics) of raw files and their `metrics` documents.

One runQuality per `metrics` document: a raw file quantified with two settings has two, labelled by the settings.
Metrics with a PSI-MS term (`mzqc_terms.PSI_MS_METRICS`) come first under that term, with its unit; every other
numeric metric follows as a local `AK` term. The run's metadata names the raw file (its backup location as a
`file:` URI, else a `urn:alphakraken:raw_file:` name; its vendor format; its MD5 when it is one file), the
tool's results file when an ID-based metric is exported (the spec requires the identification results among the
inputs), the tool that computed the metrics and the record fields instrument, project, acquisition time and
settings.

The document is plain JSON built here rather than with pymzqc's classes: the format is small, and pymzqc's
serialiser fixes `MzQcFile`'s default creation date at import and strips empty elements with regular expressions
over the JSON text. The tests read every document back with pymzqc and validate it against the official schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from kraken_core.qc.mzqc_terms import (
    FILE_FORMAT,
    IDENTIFICATION_RESULTS,
    LOCAL_VOCABULARY,
    MD5,
    PSI_MS,
    PSI_MS_METRICS,
    TAB_SEPARATED,
    UNIT_ONTOLOGY,
    file_format_of,
    local_description,
    local_term,
    software_of,
)
from kraken_core.quanting.software import DEFAULT_SOFTWARE_TYPE
from kraken_core.record.qc_series import metric_values
from kraken_core.statuses import VERIFIED_BACKUP_STATUSES

MZQC_VERSION = "1.0.0"
RUN_FIELDS = ("instrument_id", "project_id", "created_at", "settings_name", "settings_version")
MEDIA_TYPE = "application/json"
INDENTED_RUNS = 100


@dataclass(frozen=True)
class Run:
    """A raw file (`raw_file` document) with one of its `metrics` documents and the version of the tool that
    computed them (the settings' `software`, e.g. `alphadia-2.3.0`; None when unknown)."""

    raw_file: Mapping[str, Any]
    metrics: Mapping[str, Any]
    software_version: str | None = None


def _utc_text(value: datetime) -> str:
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    return _utc_text(value) if isinstance(value, datetime) else value


def input_location(raw_file: Mapping[str, Any]) -> str:
    """Where the raw file is kept: its verified backup, else a name in the record."""
    base = raw_file.get("backup_base_path")  # set when the copy starts: only a verified copy is the file
    if base and str(base).startswith("/") and raw_file.get("backup_status") in VERIFIED_BACKUP_STATUSES:
        name = f"{raw_file.get('collision_flag') or ''}{raw_file.get('original_name') or raw_file['_id']}"
        return (PurePosixPath(str(base)) / name).as_uri()
    return f"urn:alphakraken:raw_file:{quote(str(raw_file['_id']), safe='')}"


def input_file(raw_file: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": str(raw_file["_id"]), "location": input_location(raw_file),
                             "fileFormat": file_format_of(str(raw_file.get("original_name") or raw_file["_id"]))
                             .cv_parameter()}
    files = raw_file.get("file_info") or {}
    if len(files) == 1:
        [(_, info)] = files.items()
        if isinstance(info, (list, tuple)) and len(info) > 1 and info[1]:
            entry["fileProperties"] = [MD5.cv_parameter(value=str(info[1]))]
    return entry


def results_file(run: Run, label: str) -> dict[str, Any]:
    """The tool's output the identification counts come from (mzQC: ID-based metrics need their identification
    results among the input files): AlphaDIA's stat.tsv, DIA-NN's report.stats.tsv, else the output folder."""
    metrics_type = run.metrics.get("type") or DEFAULT_SOFTWARE_TYPE
    file_name = IDENTIFICATION_RESULTS.get(metrics_type)
    output = run.metrics.get("output_path")
    if output and str(output).startswith("/"):
        path = PurePosixPath(str(output))
        location = (path / file_name if file_name else path).as_uri()
    else:
        location = (f"urn:alphakraken:raw_file:{quote(str(run.raw_file['_id']), safe='')}:output:"
                    f"{quote(str(run.metrics.get('settings_name')), safe='')}")
    return {"name": f"{label}: {file_name or 'output'}", "location": location,
            "fileFormat": (TAB_SEPARATED if file_name else FILE_FORMAT).cv_parameter()}


def _id_based(values: Mapping[str, float]) -> bool:
    return any(PSI_MS_METRICS[name].id_based for name in values if name in PSI_MS_METRICS)


def quality_metrics(metrics: Mapping[str, Any], values: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """PSI-MS terms first, then local terms, each by name; only finite numbers (a missing metric is left out).
    `values`: the document's `metric_values`, when the caller has them already."""
    values = metric_values(metrics) if values is None else values
    metrics_type = metrics.get("type") or DEFAULT_SOFTWARE_TYPE
    mapped, local = [], []
    for name in sorted(values):
        value = values[name]
        known = PSI_MS_METRICS.get(name)
        if known is None:
            local.append(local_term(name).cv_parameter(description=local_description(name, metrics_type),
                                                       value=value))
            continue
        if known.integer:  # a count the CV types xsd:int (a mean over a multiplexed run's channels is rounded)
            value = round(value)
        extra = {"unit": known.unit.cv_parameter()} if known.unit else {}
        mapped.append(known.term.cv_parameter(value=value, **extra))
    return mapped + local


def _label(run: Run) -> str:
    metrics = run.metrics
    settings = metrics.get("settings_name")
    if settings is None:
        return str(run.raw_file["_id"])
    return f"{run.raw_file['_id']} ({settings} v{metrics.get('settings_version')})"


def run_quality(run: Run, label: str, values: Mapping[str, float]) -> dict[str, Any]:
    software = software_of(run.metrics.get("type") or DEFAULT_SOFTWARE_TYPE)
    fields = {**{k: run.raw_file.get(k) for k in RUN_FIELDS[:3]}, **{k: run.metrics.get(k) for k in RUN_FIELDS[3:]}}
    metadata = {
        "label": label,
        "inputFiles": [input_file(run.raw_file), *([results_file(run, label)] if _id_based(values) else [])],
        "analysisSoftware": [software.term.cv_parameter(value=software.label, version=run.software_version or "unknown",
                                                        uri=software.uri)],
        "cvParameters": [local_term(k).cv_parameter(value=_plain(v)) for k, v in fields.items() if v is not None],
    }
    if not metadata["cvParameters"]:
        del metadata["cvParameters"]
    return {"metadata": metadata, "qualityMetrics": quality_metrics(run.metrics, values)}


def mzqc_document(runs: Iterable[Run], description: str, now: datetime | None = None) -> dict[str, Any]:
    """The document of these runs; a run without a numeric metric is left out (a runQuality needs one).

    Raises ValueError when none is left: mzQC has no empty document."""
    qualities, labels = [], set()
    for run in runs:
        values = metric_values(run.metrics)
        if not values:
            continue
        label, n = _label(run), 2
        while label in labels:  # labels are unique within a document
            label, n = f"{_label(run)} #{n}", n + 1
        labels.add(label)
        qualities.append(run_quality(run, label, values))
    if not qualities:
        raise ValueError("no metrics to export")
    return {"mzQC": {
        "version": MZQC_VERSION,
        "creationDate": _utc_text(now or datetime.now(UTC)),
        "description": description,
        "controlledVocabularies": [PSI_MS, UNIT_ONTOLOGY, LOCAL_VOCABULARY],
        "runQualities": qualities,
    }}


def to_json(document: Mapping[str, Any]) -> str:
    """Strict JSON (no NaN: metrics are finite numbers); indented for people up to `INDENTED_RUNS` runs, compact
    beyond (Python's JSON encoder is several times slower with indentation: seconds for a month of an instrument)."""
    small = len(document["mzQC"].get("runQualities", ())) <= INDENTED_RUNS
    return json.dumps(document, indent=2 if small else None, allow_nan=False, ensure_ascii=False) + "\n"
