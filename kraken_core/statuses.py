"""Status values of the MongoDB record, kept identical to AlphaKraken's so an existing database works."""

from enum import StrEnum


class RawFileStatus(StrEnum):
    QUEUED_FOR_MONITORING = "queued_for_monitoring"
    MONITORING_ACQUISITION = "monitoring_acquisition"
    MONITORING_DONE = "monitoring_done"
    CHECKSUMMING = "checksumming"
    CHECKSUMMING_DONE = "checksumming_done"
    COPYING = "copying"
    COPYING_DONE = "copying_done"
    ACQUISITION_FAILED = "acquisition_failed"
    QUEUED_FOR_QUANTING = "queued_for_quanting"
    QUANTING = "quanting"
    QUANTING_FAILED = "quanting_failed"
    DONE = "done"
    DONE_NOT_QUANTED = "done_not_quanted"
    ERROR = "error"
    IGNORED = "ignored"


class BackupStatus(StrEnum):
    COPYING_IN_PROGRESS = "copying_in_progress"
    COPYING_DONE = "copying_done"
    COPYING_FAILED = "copying_failed"
    UPLOAD_IN_PROGRESS = "upload_in_progress"
    UPLOAD_DONE = "upload_done"
    UPLOAD_FAILED = "upload_failed"


class InstrumentFileStatus(StrEnum):
    INITIAL = "initial"
    MOVED = "moved"
    PURGED = "purged"
    RENAMED = "renamed"


TERMINAL_STATUSES = frozenset(
    {
        RawFileStatus.DONE,
        RawFileStatus.DONE_NOT_QUANTED,
        RawFileStatus.ACQUISITION_FAILED,
        RawFileStatus.QUANTING_FAILED,
        RawFileStatus.ERROR,
        RawFileStatus.IGNORED,
    }
)

NON_TERMINAL_STATUSES = frozenset(set(RawFileStatus) - TERMINAL_STATUSES)


# The record's file_info describes a copy in the backup pool that was verified identical (S3 states follow it).
VERIFIED_BACKUP_STATUSES = frozenset(
    str(s)
    for s in (
        BackupStatus.COPYING_DONE,
        BackupStatus.UPLOAD_IN_PROGRESS,
        BackupStatus.UPLOAD_DONE,
        BackupStatus.UPLOAD_FAILED,
    )
)

# A run is reading the instrument files of the raw file right now (or is between its two copy steps).
COPY_IN_FLIGHT_STATUSES = frozenset(
    str(s) for s in (RawFileStatus.CHECKSUMMING, RawFileStatus.CHECKSUMMING_DONE, RawFileStatus.COPYING)
)

# Statuses a raw file reaches only after its backup was verified (or that end its processing for good).
PAST_BACKUP_STATUSES = frozenset(
    str(s)
    for s in (
        RawFileStatus.COPYING_DONE,
        RawFileStatus.QUEUED_FOR_QUANTING,
        RawFileStatus.QUANTING,
        RawFileStatus.QUANTING_FAILED,
        RawFileStatus.DONE,
        RawFileStatus.DONE_NOT_QUANTED,
        RawFileStatus.IGNORED,
    )
)


def is_settled(doc: dict) -> bool:
    """The record holds a finished version of this raw file (its backup is verified, or it is past that or
    ignored): a different file under its name is another acquisition, never a continuation of this one."""
    return doc.get("backup_status") in VERIFIED_BACKUP_STATUSES or doc.get("status") in PAST_BACKUP_STATUSES
