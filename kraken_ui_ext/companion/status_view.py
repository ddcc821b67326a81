"""Health of instruments, backup and output: heartbeat age, free disk, files waiting and for how long,
throughput per day."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.database import Database

from kraken_core.monitoring.health_checks import Verdict, free_space_verdict
from kraken_core.record.record_reads import entity_heartbeats, raw_files_in_statuses
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import NON_TERMINAL_STATUSES, RawFileStatus
from kraken_ui_ext.companion.recent_record import RecentRecord
from kraken_ui_ext.companion.record_views import format_duration

NON_TERMINAL = [str(s) for s in RawFileStatus if s in NON_TERMINAL_STATUSES]
# AlphaKraken's status page colours a file's time in an unfinished status green below 1.5 h and red above 3 h
IN_STATUS_LATE, IN_STATUS_STALE = timedelta(hours=1.5), timedelta(hours=3)


def staleness_class(age: timedelta | None, heartbeat_interval_s: int, status: str | None) -> str:
    """fresh: within three heartbeats; late: within ten (at least 10 min); stale: older, missing or failing."""
    if age is None or status == "error":
        return "stale"
    seconds = age.total_seconds()
    if seconds <= 3 * heartbeat_interval_s:
        return "fresh"
    if seconds <= max(10 * heartbeat_interval_s, 600):
        return "late"
    return "stale"


@dataclass
class EntityStatus:
    entity_id: str
    entity_type: str
    doc: dict[str, Any] | None
    age: timedelta | None
    staleness: str
    waiting: dict[str, int] = field(default_factory=dict)

    @property
    def age_text(self) -> str:
        return "never" if self.age is None else f"{format_duration(self.age)} ago"

    @property
    def free_space(self) -> Verdict | None:
        """The `free_space` check's judgement of the heartbeat's free space, by the threshold the heartbeat
        recorded; None where the heartbeat has no free space or no threshold (a job, a location not mounted)."""
        doc = self.doc or {}
        free, threshold = doc.get("free_space_gb"), doc.get("min_free_space_gb")
        if free is None or threshold is None:
            return None
        return free_space_verdict(self.entity_id, self.entity_type == "instrument", free, threshold,
                                  doc.get("path") or "")

    @property
    def healthy(self) -> bool | None:
        """None before the first heartbeat; False when the location failed its heartbeat or is low on space."""
        if self.doc is None:
            return None
        return self.doc.get("status") == "ok" and (self.free_space is None or self.free_space.passed)

    @property
    def health_text(self) -> str:
        if self.doc is None:
            return "no heartbeat yet"
        if self.doc.get("status") != "ok":
            return f"{self.doc.get('status')}: {self.doc.get('status_details') or ''}"
        if self.free_space is not None and not self.free_space.passed:
            return f"low disk space: {self.free_space.description}"
        return "ok"


@dataclass
class Throughput:
    days: list[date]
    samples: dict[str, dict[date, int]]
    gigabytes: dict[str, dict[date, float]]


@dataclass
class TimeInStatus:
    """How long the raw files in one unfinished status have been in it (since their record last changed)."""

    status: str
    count: int
    oldest: timedelta
    oldest_raw_file: str
    median: timedelta
    oldest_per_instrument: dict[str, timedelta]

    @staticmethod
    def age_class(age: timedelta) -> str:
        return "fresh" if age < IN_STATUS_LATE else "late" if age < IN_STATUS_STALE else "stale"


def unfinished_raw_files(db: Database) -> dict[str, list[dict[str, Any]]]:
    """The raw files in each unfinished status, with their instrument and last change."""
    return raw_files_in_statuses(db, NON_TERMINAL, {"instrument_id": 1, "updated_at_": 1})


def waiting_counts(unfinished: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """How many raw files of each instrument are in each unfinished status."""
    waiting: dict[str, dict[str, int]] = {}
    for status, docs in unfinished.items():
        for doc in docs:
            per = waiting.setdefault(doc.get("instrument_id") or "?", {})
            per[status] = per.get(status, 0) + 1
    return waiting


def time_in_status(unfinished: dict[str, list[dict[str, Any]]], now: datetime) -> list[TimeInStatus]:
    """Per unfinished status with files: the count, the longest and the median time in it, and the longest per
    instrument. A status change sets `updated_at_` (AlphaKraken's status page reads the same field)."""
    result = []
    for status in NON_TERMINAL:
        aged = [(now - changed, doc) for doc in unfinished.get(status, [])
                if (changed := record_datetime(doc.get("updated_at_"))) is not None]
        if not aged:
            continue
        aged.sort(key=lambda pair: pair[0], reverse=True)
        per_instrument: dict[str, timedelta] = {}
        for age, doc in aged:
            per_instrument.setdefault(doc.get("instrument_id") or "?", age)
        result.append(TimeInStatus(status, len(aged), aged[0][0], aged[0][1]["_id"],
                                   timedelta(seconds=statistics.median(a.total_seconds() for a, _ in aged)),
                                   dict(sorted(per_instrument.items()))))
    return result


def entity_statuses(db: Database, instruments: list[str], heartbeat_interval_s: int, now: datetime,
                    waiting: dict[str, dict[str, int]] | None = None) -> list[EntityStatus]:
    docs = entity_heartbeats(db)
    waiting = waiting if waiting is not None else waiting_counts(unfinished_raw_files(db))
    ids = list(dict.fromkeys([*instruments, *(i for i, d in docs.items() if d.get("entity_type") == "instrument"),
                              "backup", "output"]))
    result = []
    for entity_id in ids:
        doc = docs.get(entity_id)
        updated = record_datetime((doc or {}).get("updated_at_"))
        age = now - updated if updated else None
        kind = (doc or {}).get("entity_type") or ("file_system" if entity_id in ("backup", "output") else "instrument")
        result.append(EntityStatus(entity_id, kind, doc, age,
                                   staleness_class(age, heartbeat_interval_s, (doc or {}).get("status")),
                                   waiting.get(entity_id, {})))
    return result


def throughput(db: Database, now: datetime, weeks: int, recent: RecentRecord | None = None) -> Throughput:
    """Raw files and gigabytes acquired per instrument and day."""
    recent = recent or RecentRecord.none_held(db)
    first = (now - timedelta(weeks=weeks)).date() + timedelta(days=1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    days = [first + timedelta(days=i) for i in range((now.date() - first).days + 1)]
    samples: dict[str, dict[date, int]] = {}
    gigabytes: dict[str, dict[date, float]] = {}
    for doc in recent.acquired_since(since, {"_id": 0, "instrument_id": 1, "created_at": 1, "size": 1}):
        created = record_datetime(doc.get("created_at"))
        if created is None:
            continue
        instrument, day = doc.get("instrument_id") or "?", created.astimezone(now.tzinfo).date()
        samples.setdefault(instrument, {}).setdefault(day, 0)
        samples[instrument][day] += 1
        gigabytes.setdefault(instrument, {}).setdefault(day, 0.0)
        gigabytes[instrument][day] += (doc.get("size") or 0) / 1e9
    return Throughput(days, samples, gigabytes)
