"""Health of instruments, backup and output: heartbeat age, free disk, files waiting, throughput per day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.database import Database

from kraken_core.record.record_reads import acquired_since, entity_heartbeats, waiting_per_instrument
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import NON_TERMINAL_STATUSES, RawFileStatus
from kraken_ui_ext.companion.record_views import format_duration

NON_TERMINAL = [str(s) for s in RawFileStatus if s in NON_TERMINAL_STATUSES]


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


@dataclass
class Throughput:
    days: list[date]
    samples: dict[str, dict[date, int]]
    gigabytes: dict[str, dict[date, float]]


def entity_statuses(db: Database, instruments: list[str], heartbeat_interval_s: int, now: datetime) -> list[EntityStatus]:
    docs = entity_heartbeats(db)
    waiting = waiting_per_instrument(db, NON_TERMINAL)
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


def throughput(db: Database, now: datetime, weeks: int) -> Throughput:
    """Raw files and gigabytes acquired per instrument and day, from one range query with a projection."""
    first = (now - timedelta(weeks=weeks)).date() + timedelta(days=1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    days = [first + timedelta(days=i) for i in range((now.date() - first).days + 1)]
    samples: dict[str, dict[date, int]] = {}
    gigabytes: dict[str, dict[date, float]] = {}
    for doc in acquired_since(db, since, {"_id": 0, "instrument_id": 1, "created_at": 1, "size": 1}):
        created = record_datetime(doc.get("created_at"))
        if created is None:
            continue
        instrument, day = doc.get("instrument_id") or "?", created.astimezone(now.tzinfo).date()
        samples.setdefault(instrument, {}).setdefault(day, 0)
        samples[instrument][day] += 1
        gigabytes.setdefault(instrument, {}).setdefault(day, 0.0)
        gigabytes[instrument][day] += (doc.get("size") or 0) / 1e9
    return Throughput(days, samples, gigabytes)
