"""Slurm jobs of a raw file (`raw_file.quanting_jobs`) and the `metrics` documents their outputs give."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database

from kraken_core.quanting.metric_names import with_alphakraken_names
from kraken_core.quanting.software import DEFAULT_SOFTWARE_TYPE
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import RawFileStatus

OPEN_JOBS_PROJECTION = {"_id": 1, "created_at": 1, "quanting_jobs": 1, "results_request": 1}


def open_quanting(db: Database) -> list[dict[str, Any]]:
    """Raw files whose jobs are being followed, newest first."""
    return list(
        db.raw_file.find({"status": str(RawFileStatus.QUANTING)}, OPEN_JOBS_PROJECTION).sort("created_at", DESCENDING)
    )


def set_quanting_jobs(db: Database, raw_file_id: str, jobs: list[dict[str, Any]], **fields: Any) -> None:
    db.raw_file.update_one(
        {"_id": raw_file_id}, {"$set": {"quanting_jobs": jobs, "updated_at_": datetime.now(UTC), **fields}}
    )


def save_job_lists(db: Database, jobs_by_raw_file: dict[str, list[dict[str, Any]]]) -> None:
    """Write the updated job lists of many raw files in one round trip."""
    if not jobs_by_raw_file:
        return
    now = datetime.now(UTC)
    db.raw_file.bulk_write(
        [UpdateOne({"_id": rid}, {"$set": {"quanting_jobs": jobs, "updated_at_": now}})
         for rid, jobs in jobs_by_raw_file.items()],
        ordered=False,
    )


def record_results_requests(db: Database, attempts: dict[str, int], now: datetime) -> None:
    """Remember when the results run of each raw file was requested, and how often (one round trip)."""
    if attempts:
        db.raw_file.bulk_write(
            [UpdateOne({"_id": rid}, {"$set": {"results_request": {"attempts": attempt, "requested_at": now}}})
             for rid, attempt in attempts.items()],
            ordered=False,
        )


def write_metrics(db: Database, raw_file_id: str, job: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """One `metrics` document per (raw file, settings); a rerun replaces it. Metric names are AlphaKraken's."""
    key = {"raw_file": raw_file_id, "settings_name": job["settings_name"], "settings_version": job["settings_version"]}
    doc = {
        **key,
        "type": job.get("metrics_type") or DEFAULT_SOFTWARE_TYPE,
        "settings_id": job.get("settings_id"),
        "output_path": job.get("output_path"),
        "slurm_job_id": job.get("job_id"),
        **with_alphakraken_names(metrics),
        "created_at_": datetime.now(UTC),
    }
    db.metrics.delete_many(key)
    db.metrics.insert_one(doc)
    return doc


def write_job_metrics(
    db: Database, raw_file_id: str, jobs: list[dict[str, Any]], read_metrics: Callable[[dict[str, Any]], dict]
) -> list[dict[str, Any]]:
    """The `metrics` documents of a raw file's finished jobs, as AlphaKraken writes them.

    A `done` job gets its parsed metrics and `time_elapsed` (seconds of the job); a `quanting_failed` job gets
    a document with `time_elapsed` only, so the time spent on failures stays visible. Returns the documents of
    the `done` jobs.
    """
    written = []
    for job in jobs:
        if job.get("outcome") == str(RawFileStatus.DONE):
            written.append(write_metrics(db, raw_file_id, job, {**read_metrics(job),
                                                                 "time_elapsed": job.get("elapsed_s")}))
        elif job.get("outcome") == str(RawFileStatus.QUANTING_FAILED):
            write_metrics(db, raw_file_id, job, {"time_elapsed": job.get("elapsed_s")})
    return written


def metrics_of(db: Database, raw_file_id: str) -> list[dict[str, Any]]:
    # `$eq` means a plain equality to MongoDB; the wire server of local runs serves only this form from the index
    return list(db.metrics.find({"raw_file": {"$eq": raw_file_id}}).sort("created_at_", ASCENDING))


def last_job_end(jobs: list[dict[str, Any]]) -> datetime | None:
    """When the last of a raw file's jobs ended (the quantification finished), or None while one runs."""
    ends = [record_datetime(job.get("ended_at")) for job in jobs]
    return max(ends) if ends and None not in ends else None
