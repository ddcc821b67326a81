"""Which raw files give up their Dagster partition, and which can have it back. No Dagster in here.

A partition is retired when its raw file is in a final status (`TERMINAL_STATUSES`) and its record has not
changed for `partitions.retire_after_days`. The record, the backups and Dagster's event history stay; only the
partition key leaves the `raw_files` list, so the UI and every partition-status query stay small. The plan
reads the record by `_id` for the partitions that exist (indexed, and bounded by the partitions kept rather
than by the years of history), so its cost does not grow with the age of the lab.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from kraken_core.config.partitions import PartitionsConfig
from kraken_core.record.raw_files import raw_files_by_ids
from kraken_core.statuses import TERMINAL_STATUSES

LOOKUP_CHUNK = 1000
FINAL = {str(status) for status in TERMINAL_STATUSES}


@dataclass(frozen=True)
class RetirementPlan:
    retire: list[str]
    """Partition keys to delete now, the longest unchanged first (at most `retire_batch_size`)."""
    eligible: int
    """Partitions whose raw file is final and old enough, including those left for the next run."""
    busy: list[str]
    """Old and final, but a run of the partition is queued or in progress: kept until it ends."""
    not_in_record: int
    """Partitions with no raw file document: never retired, since nothing could bring them back."""


@dataclass(frozen=True)
class RestorePlan:
    add: list[str]
    present: list[str]


class UnknownRawFiles(ValueError):
    """Raw file ids asked for that the record does not hold."""


def retirement_cutoff(settings: PartitionsConfig, now: datetime) -> datetime:
    if settings.retire_after_days is None:
        raise ValueError("partition retirement is disabled (partitions.retire_after_days is null)")
    return now - timedelta(days=settings.retire_after_days)


def _as_utc(value: datetime | str) -> datetime:
    """A record time as an aware UTC datetime (the nx-27017 test server returns `$set` datetimes as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _documents(db: Database, raw_file_ids: list[str], projection: dict) -> Iterable[dict]:
    return raw_files_by_ids(db, raw_file_ids, projection, chunk=LOOKUP_CHUNK)


def plan_retirement(
    db: Database,
    partition_keys: Iterable[str],
    busy_keys: set[str],
    settings: PartitionsConfig,
    now: datetime,
) -> RetirementPlan:
    """The partitions to retire now; `busy_keys` are partitions with a queued or running run."""
    cutoff = retirement_cutoff(settings, now)
    keys = list(dict.fromkeys(partition_keys))
    found = 0
    stale: list[tuple[datetime, str]] = []
    for doc in _documents(db, keys, {"_id": 1, "status": 1, "updated_at_": 1}):
        found += 1
        changed = doc.get("updated_at_")
        if doc.get("status") in FINAL and changed is not None and _as_utc(changed) < cutoff:
            stale.append((_as_utc(changed), doc["_id"]))
    stale.sort()
    busy = [rid for _, rid in stale if rid in busy_keys]
    ready = [rid for _, rid in stale if rid not in busy_keys]
    return RetirementPlan(retire=ready[: settings.retire_batch_size], eligible=len(stale), busy=busy,
                          not_in_record=len(keys) - found)


def plan_restore(db: Database, raw_file_ids: Iterable[str], partition_keys: set[str]) -> RestorePlan:
    """Which of `raw_file_ids` need their partition back; raises `UnknownRawFiles` for ids not in the record."""
    wanted = list(dict.fromkeys(raw_file_ids))
    known = {doc["_id"] for doc in _documents(db, wanted, {"_id": 1})}
    unknown = [rid for rid in wanted if rid not in known]
    if unknown:
        shown = ", ".join(repr(rid) for rid in unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise UnknownRawFiles(
            f"{len(unknown)} raw file id(s) are not in the record: {shown}. Use the raw file id as the record "
            f"holds it (a name collision adds a YYYYmmdd-HHMMSS-ffffff- prefix); nothing was restored"
        )
    return RestorePlan(add=[rid for rid in wanted if rid not in partition_keys],
                       present=[rid for rid in wanted if rid in partition_keys])
