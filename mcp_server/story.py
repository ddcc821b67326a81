"""The full story of one raw file: where it is in the pipeline, its backup, S3 object, job, outputs, metrics."""

from __future__ import annotations

from typing import Any

from kraken_core.raw_file_backup import RawFileLocation, backup_relpath
from kraken_core.statuses import BackupStatus, RawFileStatus
from mcp_server.errors import NotInRecord
from mcp_server.metrics import metrics_by_raw_file, metrics_entry
from mcp_server.record_reader import RecordReader

FAILED_STATUSES = frozenset({RawFileStatus.ACQUISITION_FAILED, RawFileStatus.QUANTING_FAILED, RawFileStatus.ERROR})
FAILED_BACKUP_STATUSES = frozenset({BackupStatus.COPYING_FAILED, BackupStatus.UPLOAD_FAILED})
FILE_INFO_SHOWN = 100
# Fields grouped by what a person asks about; the whole document is also kept under `record`.
_S3_MARKERS = ("s3",)
_JOB_MARKERS = ("job", "slurm", "quanting")


class RawFileNotFound(NotInRecord):
    """Neither a raw file id nor an original name in the record."""


def _fields_with(doc: dict[str, Any], markers: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if any(marker in key.lower() for marker in markers)}


def _file_info_summary(file_info: dict[str, Any] | None) -> dict[str, Any]:
    file_info = file_info or {}
    sizes = [entry[0] for entry in file_info.values() if isinstance(entry, list | tuple) and entry]
    shown = dict(sorted(file_info.items())[:FILE_INFO_SHOWN])
    return {
        "files": len(file_info),
        "total_size": sum(size for size in sizes if isinstance(size, int | float)),
        "entries": {path: {"size": entry[0], "md5": entry[1]} for path, entry in shown.items()
                    if isinstance(entry, list | tuple) and len(entry) >= 2},
        "entries_truncated": len(file_info) > FILE_INFO_SHOWN,
    }


def _backup(doc: dict[str, Any]) -> dict[str, Any]:
    """Where the backup of the raw file is: the same naming the backup step writes with."""
    base = doc.get("backup_base_path")
    path = None
    if base:
        path = f"{base.rstrip('/')}/{backup_relpath(RawFileLocation.from_doc(doc), doc['original_name'])}"
    return {"status": doc.get("backup_status"), "base_path": base, "path": path}


def failure_reason(doc: dict[str, Any]) -> str | None:
    """Why a raw file failed (None when it did not): its status details, or the S3 upload error."""
    if doc.get("status") in FAILED_STATUSES:
        return doc.get("status_details") or "no reason recorded"
    if doc.get("backup_status") == BackupStatus.UPLOAD_FAILED:
        return doc.get("s3_upload_error") or doc.get("status_details") or "no reason recorded"
    if doc.get("backup_status") in FAILED_BACKUP_STATUSES:
        return doc.get("status_details") or "no reason recorded"
    return None


def _failure(doc: dict[str, Any]) -> dict[str, Any] | None:
    reason = failure_reason(doc)
    if reason is None:
        return None
    return {"status": doc.get("status"), "backup_status": doc.get("backup_status"), "reason": reason}


def _outputs(doc: dict[str, Any], metrics: list[dict[str, Any]]) -> list[str]:
    """Output folders of the raw file's quantification jobs and metrics, oldest first, each once."""
    paths = [job.get("output_path") for job in doc.get("quanting_jobs") or [] if isinstance(job, dict)]
    paths += [m.get("output_path") for m in reversed(metrics)]
    paths += [value for key, value in doc.items() if "output" in key.lower() and isinstance(value, str)]
    return [path for path in dict.fromkeys(paths) if path]


def raw_file_story(reader: RecordReader, name: str) -> dict[str, Any]:
    doc = reader.find_one("raw_file", {"_id": name})
    others = []
    if doc is None:
        same_name = reader.find("raw_file", {"original_name": name}, sort=[("created_at", -1)])
        if not same_name:
            raise RawFileNotFound(
                f"no raw file with id or original name {name!r}; names are exact and case sensitive "
                "(search by substring with get_raw_files_for_instrument)"
            )
        doc, others = same_name[0], [d["_id"] for d in same_name[1:]]
    metrics = metrics_by_raw_file(reader, [doc["_id"]])[doc["_id"]]
    record = {key: value for key, value in doc.items() if key not in {"_id", "file_info"}}
    return {
        "raw_file_id": doc["_id"],
        "status": doc.get("status"),
        "status_details": doc.get("status_details"),
        "failure": _failure(doc),
        "backup": _backup(doc),
        "s3": _fields_with(doc, _S3_MARKERS),
        "quanting": _fields_with(doc, _JOB_MARKERS),
        "outputs": _outputs(doc, metrics),
        "file_info": _file_info_summary(doc.get("file_info")),
        "metrics": [metrics_entry(m) for m in metrics],
        "record": record,
        "other_raw_files_with_same_original_name": others,
    }
