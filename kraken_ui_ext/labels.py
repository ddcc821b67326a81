"""Readable labels for the record's field names and coded values, in one place for every page.

The record keeps AlphaKraken's names (`updated_at_`, `instrument_file_status: initial`); people read these labels.
A field or value without a label here is shown as it is stored.
"""

from __future__ import annotations

from typing import Any

FIELD_LABELS = {
    "_id": "Raw file",
    "original_name": "Name on the instrument",
    "collision_flag": "Name collision prefix",
    "instrument_id": "Instrument",
    "project_id": "Project",
    "status": "Status",
    "status_details": "Details",
    "size": "Size",
    "backup_status": "Backup",
    "backup_base_path": "Backup folder",
    "backup_path": "Backup path",
    "instrument_file_status": "File on the instrument",
    "s3_upload_path": "S3 object",
    "created_at": "Acquired (file time)",
    "created_at_": "Registered",
    "updated_at_": "Record last changed",
    # fields of a `metrics` document that are not metrics
    "settings_name": "Settings",
    "settings_version": "Settings version",
    "settings_id": "Settings id",
    "type": "Metrics type",
    "slurm_job_id": "Job id",
    "output_path": "Output folder",
    "time_elapsed": "Job time (s)",
}

VALUE_LABELS: dict[str, dict[str, str]] = {
    "instrument_file_status": {
        "initial": "where the instrument wrote it",
        "moved": "moved to the instrument's Backup folder",
        "purged": "deleted from the instrument (its backup was verified first)",
        "renamed": "renamed on the instrument",
    },
    "backup_status": {
        "copying_in_progress": "copying",
        "copying_done": "copied and verified",
        "copying_failed": "copy failed",
        "upload_in_progress": "copied and verified; uploading to S3",
        "upload_done": "copied and verified; uploaded to S3",
        "upload_failed": "copied and verified; S3 upload failed",
    },
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def value_label(field: str, value: Any) -> str | None:
    """The readable form of a coded value (None when the value has none: show it as stored)."""
    if value is None:
        return None
    return VALUE_LABELS.get(field, {}).get(str(value))
