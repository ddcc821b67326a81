"""A raw file's timeline: each step from detection to metrics, when it happened and the Dagster run that did it.

Times and run ids come from the record's `steps` (kraken_core/record/raw_file_steps.py); records written before
steps were recorded still show what their status, backup status, jobs and metrics prove, without a time. A step
not reached is pending; a failed one carries the record's reason; steps a raw file never takes (no
quantification for it) are skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from kraken_core.monitoring.links import run_url
from kraken_core.numbers import human_size
from kraken_core.record.quanting_jobs import last_job_end
from kraken_core.record.raw_file_steps import Step, step_entry
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import VERIFIED_BACKUP_STATUSES, BackupStatus, RawFileStatus
from kraken_ui_ext.links import dagster_partition_url

DONE, FAILED, PENDING, SKIPPED = "done", "failed", "pending", "skipped"
WATCHING = {str(RawFileStatus.QUEUED_FOR_MONITORING), str(RawFileStatus.MONITORING_ACQUISITION)}
NOT_QUANTIFIED = {str(RawFileStatus.DONE_NOT_QUANTED), str(RawFileStatus.IGNORED), str(RawFileStatus.ACQUISITION_FAILED)}
S3_STATUSES = {str(BackupStatus.UPLOAD_IN_PROGRESS), str(BackupStatus.UPLOAD_DONE), str(BackupStatus.UPLOAD_FAILED)}


@dataclass(frozen=True)
class TimelineStep:
    step: str
    label: str
    state: str  # done, failed, pending or skipped
    at: datetime | None = None
    detail: str = ""
    link: str | None = None  # the run that did it, else the asset's partition page
    link_text: str = ""


@dataclass(frozen=True)
class TimelineContext:
    webserver_base_url: str
    size_stable_window_s: float
    s3_enabled: bool
    partition_absent: str | None  # why the raw file has no partition in Dagster (no partition links), or None


def stability_rule(window_s: float) -> str:
    """When a dropped file counts as finished, in words (the watcher's rules, kraken_core/acquisition.py)."""
    return (f"finished when its main file is not empty and its size has not changed for {window_s:,.0f} s"
            f"{_in_minutes(window_s)}, or as soon as the instrument starts the next acquisition")


def _in_minutes(seconds: float) -> str:
    if seconds >= 7200:
        return f" ({seconds / 3600:g} h)"
    return f" ({seconds / 60:g} min)" if seconds >= 120 else ""


def _jobs_text(jobs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{j.get('settings_name')} v{j.get('settings_version')}: job {j.get('job_id') or 'associated'}"
                     f"{' ' + j['state'] if j.get('state') else ''}" for j in jobs)


def backup_path(doc: dict[str, Any]) -> str | None:
    """The full path of the raw file's backup: its folder, the collision prefix if any, the name."""
    base = doc.get("backup_base_path")
    if not base or not doc.get("original_name"):
        return None
    return str(PurePath(base) / f"{doc.get('collision_flag') or ''}{doc['original_name']}")


class _Builder:
    def __init__(self, doc: dict[str, Any], context: TimelineContext):
        self.doc, self.context = doc, context
        self.steps: list[TimelineStep] = []

    def add(self, step: Step | str, label: str, state: str, *, asset: str | None, at: datetime | None = None,
            detail: str = "") -> None:
        entry = step_entry(self.doc, step) if isinstance(step, Step) else None
        at = at or (record_datetime(entry["at"]) if entry and state != PENDING else None)
        link, link_text = None, ""
        if entry and entry.get("run_id") and state in (DONE, FAILED):
            link, link_text = run_url(self.context.webserver_base_url, entry["run_id"]), f"run {entry['run_id'][:8]}"
        elif asset and state in (DONE, FAILED) and self.context.partition_absent is None:
            link = dagster_partition_url(self.context.webserver_base_url, self.doc["_id"], asset)
            link_text = f"{asset} partition"
        self.steps.append(TimelineStep(str(step), label, state, at, detail, link, link_text))


def build_timeline(doc: dict[str, Any], metrics: list[dict[str, Any]], context: TimelineContext) -> list[TimelineStep]:
    """The steps of one raw file in order; `metrics` are its `metrics` documents."""
    status, details = doc.get("status"), doc.get("status_details") or ""
    backup_status = doc.get("backup_status")
    jobs = doc.get("quanting_jobs") or []
    b = _Builder(doc, context)
    b.add("detected", "Detected", DONE, asset=None, at=record_datetime(doc.get("created_at_")),
          detail=f"registered by the watcher of instrument {doc.get('instrument_id')}")

    if status in WATCHING:
        b.add(Step.ACQUISITION_FINISHED, "Acquisition finished", PENDING, asset=None,
              detail=f"{stability_rule(context.size_stable_window_s)}. Now: {details}".rstrip(". ") + ".")
        for step, label in ((Step.CHECKSUMMED, "Checksummed"), (Step.BACKED_UP, "Backed up"),
                            (Step.QUANTING_SUBMITTED, "Quantification submitted"),
                            (Step.QUANTING_FINISHED, "Quantification finished"),
                            (Step.METRICS_WRITTEN, "Metrics written")):
            b.add(step, label, PENDING, asset=None)
        return b.steps
    if status == RawFileStatus.IGNORED and step_entry(doc, Step.ACQUISITION_FINISHED) is None:
        b.add(Step.ACQUISITION_FINISHED, "Acquisition finished", SKIPPED, asset=None, detail=details)
        return b.steps

    failed_acquisition = status == RawFileStatus.ACQUISITION_FAILED
    b.add(Step.ACQUISITION_FINISHED, "Acquisition finished", FAILED if failed_acquisition else DONE,
          asset="raw_file", detail=details if failed_acquisition else "")

    checksummed = step_entry(doc, Step.CHECKSUMMED) is not None or doc.get("size") is not None
    files = len(doc.get("file_info") or {})
    b.add(Step.CHECKSUMMED, "Checksummed", DONE if checksummed else PENDING, asset="raw_file",
          detail=f"{human_size(doc.get('size'))} in {files} file{'' if files == 1 else 's'}" if checksummed else "")

    path = backup_path(doc)
    if step_entry(doc, Step.BACKED_UP) is not None or backup_status in VERIFIED_BACKUP_STATUSES:
        b.add(Step.BACKED_UP, "Backed up", DONE, asset="raw_file_backup", detail=path or "")
    elif backup_status == BackupStatus.COPYING_FAILED:
        b.add(Step.BACKED_UP, "Backed up", FAILED, asset="raw_file_backup", detail=details)
    else:
        copying = backup_status == BackupStatus.COPYING_IN_PROGRESS
        b.add(Step.BACKED_UP, "Backed up", PENDING, asset=None, detail=f"copying to {path}" if copying and path else "")

    if context.s3_enabled or backup_status in S3_STATUSES or step_entry(doc, Step.UPLOADED_TO_S3):
        if backup_status == BackupStatus.UPLOAD_DONE or step_entry(doc, Step.UPLOADED_TO_S3):
            b.add(Step.UPLOADED_TO_S3, "Uploaded to S3", DONE, asset="raw_file_s3", detail=doc.get("s3_upload_path") or "")
        elif backup_status == BackupStatus.UPLOAD_FAILED:
            b.add(Step.UPLOADED_TO_S3, "Uploaded to S3", FAILED, asset="raw_file_s3", detail=doc.get("s3_upload_error") or "")
        else:
            b.add(Step.UPLOADED_TO_S3, "Uploaded to S3", PENDING, asset=None,
                  detail="uploading" if backup_status == BackupStatus.UPLOAD_IN_PROGRESS else "")

    _quantification(b, doc, metrics, status, details, jobs)
    if status == RawFileStatus.ERROR:
        _mark_first_pending_failed(b.steps, details)
    return b.steps


def _quantification(b: _Builder, doc: dict[str, Any], metrics: list[dict[str, Any]], status: str | None,
                    details: str, jobs: list[dict[str, Any]]) -> None:
    submitted = step_entry(doc, Step.QUANTING_SUBMITTED) is not None or bool(jobs)
    if not submitted and status in NOT_QUANTIFIED:
        for step, label in ((Step.QUANTING_SUBMITTED, "Quantification submitted"),
                            (Step.QUANTING_FINISHED, "Quantification finished"), (Step.METRICS_WRITTEN, "Metrics written")):
            b.add(step, label, SKIPPED, asset=None, detail="not quantified" + (f": {details}" if details else ""))
        return
    submitted_at = min((t for j in jobs if (t := record_datetime(j.get("submitted_at")))), default=None)
    b.add(Step.QUANTING_SUBMITTED, "Quantification submitted", DONE if submitted else PENDING,
          asset="alphadia_job", at=None if step_entry(doc, Step.QUANTING_SUBMITTED) else submitted_at,
          detail=_jobs_text(jobs))

    ended = last_job_end(jobs) if jobs else None
    if status == RawFileStatus.QUANTING_FAILED:
        b.add(Step.QUANTING_FINISHED, "Quantification finished", FAILED, asset="alphadia_output", at=ended, detail=details)
        b.add(Step.METRICS_WRITTEN, "Metrics written", SKIPPED, asset=None, detail="no metrics: the quantification failed")
        return
    finished = step_entry(doc, Step.QUANTING_FINISHED) is not None or ended is not None
    b.add(Step.QUANTING_FINISHED, "Quantification finished", DONE if finished else PENDING,
          asset="alphadia_output" if finished else None,
          at=None if step_entry(doc, Step.QUANTING_FINISHED) else ended,
          detail="" if finished or not jobs else f"running: {_jobs_text(jobs)}")

    with_numbers = [m for m in metrics if record_datetime(m.get("created_at_"))]
    written = step_entry(doc, Step.METRICS_WRITTEN) is not None or (bool(with_numbers) and status == RawFileStatus.DONE)
    newest = max((record_datetime(m["created_at_"]) for m in with_numbers), default=None)
    b.add(Step.METRICS_WRITTEN, "Metrics written", DONE if written else PENDING, asset="quality_metrics",
          at=None if step_entry(doc, Step.METRICS_WRITTEN) else newest,
          detail=f"{len(metrics)} metrics document{'' if len(metrics) == 1 else 's'}" if written else "")


def _mark_first_pending_failed(steps: list[TimelineStep], reason: str) -> None:
    """Status `error`: the step after the last one reached is the one that failed, for the record's reason."""
    for i, step in enumerate(steps):
        if step.state == FAILED:
            return
        if step.state == PENDING and step.step != Step.UPLOADED_TO_S3:
            steps[i] = TimelineStep(step.step, step.label, FAILED, None, reason)
            return
