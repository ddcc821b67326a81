"""When each step of a raw file was reached, and by which Dagster run: the record's `steps` field.

`steps.<step>` is `{"at": <UTC time>, "run_id": <Dagster run id or None>}`, written by the step itself in the
same update that advances the status, so the companion's timeline can say when a step happened and link the run
that did it. A step done again (a rerun, a re-quantification) overwrites its entry: the timeline shows the latest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pymongo.database import Database

STEPS_FIELD = "steps"


class Step(StrEnum):
    ACQUISITION_FINISHED = "acquisition_finished"  # by the instrument's watcher sensor: no run
    CHECKSUMMED = "checksummed"
    BACKED_UP = "backed_up"
    UPLOADED_TO_S3 = "uploaded_to_s3"
    QUANTING_SUBMITTED = "quanting_submitted"
    QUANTING_FINISHED = "quanting_finished"
    METRICS_WRITTEN = "metrics_written"


def step_fields(step: Step, run_id: str | None, at: datetime | None = None) -> dict[str, Any]:
    """The fields to `$set` (e.g. through `update_raw_file(**...)`) saying `step` was reached now by `run_id`."""
    return {f"{STEPS_FIELD}.{step}": {"at": at or datetime.now(UTC), "run_id": run_id}}


def step_entry(doc: dict[str, Any], step: Step) -> dict[str, Any] | None:
    """The recorded entry of `step` in a raw file document, or None (not reached, or recorded before steps were)."""
    entry = (doc.get(STEPS_FIELD) or {}).get(str(step))
    return entry if isinstance(entry, dict) else None


def acquisition_finished_ids(db: Database, raw_file_ids: list[str]) -> set[str]:
    """Which of these raw files the watcher has finished at least once (so they have a Dagster partition)."""
    if not raw_file_ids:
        return set()
    query = {"_id": {"$in": raw_file_ids}, f"{STEPS_FIELD}.{Step.ACQUISITION_FINISHED}": {"$exists": True}}
    return {doc["_id"] for doc in db.raw_file.find(query, {"_id": 1})}
