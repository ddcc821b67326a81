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
