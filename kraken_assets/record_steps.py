"""Record each pipeline step in MongoDB, and turn failures into errors a person can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pymongo.database import Database

from kraken_core.locations import LocationUnavailableError
from kraken_core.pipeline_status import keeps_failed_acquisition
from kraken_core.quanting.job_request import SettingsError
from kraken_core.raw_file_backup import RawFileGoneError
from kraken_core.record.raw_files import get_raw_file, update_raw_file, watch_again
from kraken_core.safe_paths import UnsafePathError
from kraken_core.statuses import BackupStatus, RawFileStatus
from kraken_core.verified_copy import CopyError, SourceChangedError, SourceVanishedError

# Checksum and copy steps are safe to repeat (staged copies, verified renames, identical copies skipped), so a
# transient fault (a share that hiccups, an I/O error, the record briefly unreachable) is retried. Failures that
# need a person (below) are not: retrying them only delays the alert.
COPY_RETRY_POLICY = dg.RetryPolicy(max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
NEEDS_A_PERSON = (LocationUnavailableError, UnsafePathError, RawFileGoneError, CopyError, PermissionError, SettingsError)


def load_raw_file(db: Database, raw_file_id: str) -> dict:
    doc = get_raw_file(db, raw_file_id)
    if doc is None:
        raise dg.Failure(
            description=f"raw file {raw_file_id!r} is not in the record; the partition was added by hand or the "
            f"record was reset. Remove the partition, or let the instrument watcher register the file again",
            allow_retries=False,
        )
    return doc


def advance(db: Database, doc: dict, status: RawFileStatus | None, details: str | None = None, **fields) -> None:
    """Advance `status` (a failed acquisition keeps its status) and set other fields."""
    if status is not None and keeps_failed_acquisition(doc):
        status = None
    update_raw_file(db, doc["_id"], status=status, status_details=details, **fields)


@contextmanager
def recorded_failure(
    db: Database, doc: dict, step: str, backup_status: BackupStatus | None = None
) -> Iterator[None]:
    """Any exception in the block becomes status `error` with a status_details naming the step and cause; an
    instrument file that changed while it was read goes back to acquisition monitoring instead."""
    try:
        yield
    except dg.Failure:
        raise
    except SourceChangedError as err:
        if isinstance(err, SourceVanishedError):
            _record_error(db, doc, step, err, backup_status)
        # still being written: back to acquisition monitoring; the watcher requests a new run once it is stable
        details = f"{step} of raw file {doc['_id']} (instrument {doc['instrument_id']}) stopped: {err}"
        watch_again(db, doc["_id"], details)
        raise dg.Failure(description=details, metadata={"raw_file_id": doc["_id"], "step": step},
                         allow_retries=False) from err
    except Exception as err:
        _record_error(db, doc, step, err, backup_status)


def _record_error(db: Database, doc: dict, step: str, err: Exception, backup_status: BackupStatus | None) -> None:
    """Status `error` with a status_details naming the step and cause, then a Failure that says the same."""
    details = f"{step} failed for raw file {doc['_id']} (instrument {doc['instrument_id']}): {err}"
    fields = {"backup_status": backup_status} if backup_status else {}
    status = None if keeps_failed_acquisition(doc) else RawFileStatus.ERROR
    update_raw_file(db, doc["_id"], status=status, status_details=details, **fields)
    raise dg.Failure(description=details, metadata={"raw_file_id": doc["_id"], "step": step},
                     allow_retries=not isinstance(err, NEEDS_A_PERSON)) from err
