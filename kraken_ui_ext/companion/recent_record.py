"""The raw files of the last weeks and their metrics, held in memory by the companion and kept current.

Trends, throughput and the overview read thousands of raw files and metrics documents. On the MongoDB-compatible
wire server of `make run` every document read costs about 0.1 ms, so a 14-day trend of a busy lab (6,700 raw files,
5,700 metrics documents) spent 2 s reading. The companion therefore keeps the raw files acquired in the last
`HORIZON_DAYS` days and the metrics documents written since then, and before each use reads only what changed:
the raw files acquired since its last read, those in an unfinished status and those that were (a file changes
while it is processed; a re-quantification puts a finished one back into an unfinished status), and the metrics
documents written since. Each read looks `OVERLAP` further back, for writes in flight and clocks a little apart.
Every `FULL_READ_EVERY` a thread of its own reads the whole window again, so any other change (a finished file's
backup status, a file registered late with an old acquisition time, a change by hand) shows within that time.
A window reaching further back is read from the record. (Changes cannot be found by `updated_at_`: the wire
server stores a date written by `$set` as text, which sorts apart from the dates written by inserts.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from kraken_core.record.raw_files import get_raw_file
from kraken_core.record.record_reads import (
    acquired_between,
    acquired_since,
    metrics_documents,
    raw_files_in_statuses,
)
from kraken_core.record.timestamps import record_datetime
from kraken_ui_ext.companion.record_views import STATUS_GROUPS, latest_metrics, merged_newest_first

HORIZON_DAYS = 31
OVERLAP = timedelta(minutes=2)
FULL_READ_EVERY = timedelta(minutes=10)
# metrics are written after the acquisition; a day more covers an instrument clock that runs ahead
METRICS_SLACK = timedelta(days=1)
UNFINISHED = sorted(STATUS_GROUPS["unfinished"])


@dataclass
class _Snapshot:
    started: datetime  # when the newest read that brought it up to date began
    read_in_full: datetime  # when the read of the whole window began
    horizon: datetime
    raw_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)  # raw file -> metrics _id -> doc
    order: list[str] | None = None  # raw file ids, newest acquisition first; made again when one comes or goes
    times: list[datetime] = field(default_factory=list)  # their acquisition times, in that order

    def add_raw_files(self, docs: Iterable[dict[str, Any]]) -> None:
        for doc in docs:
            held = self.raw_files.get(doc["_id"])
            acquired = record_datetime(doc.get("created_at"))
            if acquired is not None and acquired >= self.horizon:
                self.raw_files[doc["_id"]] = doc
                if held is None or record_datetime(held.get("created_at")) != acquired:
                    self.order = None
            elif held is not None:
                self.forget(doc["_id"])

    def forget(self, raw_file_id: str) -> None:
        if self.raw_files.pop(raw_file_id, None) is not None:
            self.order = None

    def add_metrics(self, docs: Iterable[dict[str, Any]]) -> None:
        for doc in docs:
            if doc.get("raw_file") is not None:
                self.metrics.setdefault(doc["raw_file"], {})[doc.get("_id")] = doc

    def newest_time(self) -> datetime | None:
        self._order()
        return self.times[0] if self.times else None

    def _order(self) -> None:
        if self.order is None:
            timed = sorted(((record_datetime(d["created_at"]), rid) for rid, d in self.raw_files.items()), reverse=True)
            self.order = [rid for _, rid in timed]
            self.times = [when for when, _ in timed]

    def acquired_since(self, since: datetime) -> list[dict[str, Any]]:
        """The raw files acquired at or after `since`, newest first."""
        self._order()
        order = self.order or []
        low, high = 0, len(self.times)  # the first position acquired before `since` (times fall along the list)
        while low < high:
            middle = (low + high) // 2
            if self.times[middle] >= since:
                low = middle + 1
            else:
                high = middle
        return [self.raw_files[rid] for rid in order[:low]]


class RecentRecord:
    """The record's last `days` of raw files and metrics, for the companion's pages (one per app)."""

    def __init__(self, db: Database, *, days: int = HORIZON_DAYS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db = db
        self._days = days
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._full_read: threading.Thread | None = None

    @classmethod
    def none_held(cls, db: Database) -> RecentRecord:
        """One that holds nothing and reads every window from the record (a view built once, a test)."""
        return cls(db, days=0)

    def covers(self, since: datetime) -> bool:
        return self._days > 0 and since >= self._clock() - timedelta(days=self._days) + OVERLAP

    def start_reading(self) -> None:
        """Read the window on a thread of its own now, so the first page need not wait for it (a page asked
        meanwhile waits for this read rather than making its own)."""
        threading.Thread(target=self._read_first, name="companion-first-read", daemon=True).start()

    def _read_first(self) -> None:
        with self._lock:
            self._current()

    def acquired_since(self, since: datetime, projection: Mapping[str, Any], *, instrument: str | None = None,
                       project: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """As `record_reads.acquired_since`: newest first, of one instrument or else of one project (the documents
        are copies; `projection` applies to reads from the record). Brings the window up to date first."""
        if not self.covers(since):
            return acquired_since(self._db, since, projection, instrument=instrument, project=project, limit=limit)
        found = []
        with self._lock:
            for doc in self._current().acquired_since(since):
                if (instrument and doc.get("instrument_id") != instrument) or (
                        not instrument and project and doc.get("project_id") != project):
                    continue
                found.append(dict(doc))
                if limit is not None and len(found) >= limit:
                    break
        return found

    def acquired_between(self, projection: Mapping[str, Any], *, instrument: str | None = None,
                         since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
        """As `record_reads.acquired_between`: acquired in [since, until], oldest first (then by name)."""
        if since is None or not self.covers(since):
            return acquired_between(self._db, projection, instrument=instrument, since=since, until=until)
        docs = [doc for doc in self.acquired_since(since, projection, instrument=instrument)
                if until is None or record_datetime(doc["created_at"]) <= until]
        return sorted(docs, key=lambda doc: (record_datetime(doc["created_at"]), doc["_id"]))

    def metrics_documents(self, raw_file_ids: list[str]) -> list[dict[str, Any]]:
        """Every `metrics` document of the raw files (copies): those of the window's raw files as held, brought up
        to date first; those of other raw files from the record."""
        if self._days == 0:
            return list(metrics_documents(self._db, raw_file_ids, None))
        found: list[dict[str, Any]] = []
        elsewhere = []
        with self._lock:
            snapshot = self._current()
            for raw_file_id in raw_file_ids:
                if raw_file_id in snapshot.raw_files:
                    found.extend(dict(doc) for doc in snapshot.metrics.get(raw_file_id, {}).values())
                else:
                    elsewhere.append(raw_file_id)
        if elsewhere:
            found.extend(metrics_documents(self._db, elsewhere, None))
        return found

    def latest_metrics(self, raw_file_ids: Sequence[str], fields: Iterable[str], since: datetime | None = None, *,
                       refresh: bool = True) -> dict[str, dict[str, Any]]:
        """As `record_views.latest_metrics`; raw files acquired before the window are read from the record. A page
        that has just brought the window up to date for its raw files passes `refresh=False`."""
        fields = list(fields)
        if self._days == 0:
            return latest_metrics(self._db, list(raw_file_ids), fields, since=since)
        found: dict[str, dict[str, Any]] = {}
        elsewhere = []
        with self._lock:
            snapshot = self._current() if refresh or self._snapshot is None else self._snapshot
            for raw_file_id in raw_file_ids:
                if raw_file_id not in snapshot.raw_files:
                    elsewhere.append(raw_file_id)
                elif docs := snapshot.metrics.get(raw_file_id):
                    found[raw_file_id] = merged_newest_first(list(docs.values()), fields)
        if elsewhere:
            found.update(latest_metrics(self._db, elsewhere, fields, since=since))
        return found

    def _current(self) -> _Snapshot:
        """The snapshot brought up to date (called with the lock held)."""
        now = self._clock()
        if self._snapshot is None:
            self._snapshot = self._read_all(now)
            return self._snapshot
        snapshot = self._snapshot
        since = snapshot.started - OVERLAP
        snapshot.add_raw_files(acquired_since(self._db, min(snapshot.newest_time() or since, since), None))
        were_unfinished = {rid for rid, doc in snapshot.raw_files.items() if doc.get("status") in UNFINISHED}
        unfinished = [doc for docs in raw_files_in_statuses(self._db, UNFINISHED, None).values() for doc in docs]
        snapshot.add_raw_files(unfinished)
        for raw_file_id in sorted(were_unfinished - {doc["_id"] for doc in unfinished}):
            doc = get_raw_file(self._db, raw_file_id)
            if doc is None:
                snapshot.forget(raw_file_id)
            else:
                snapshot.add_raw_files([doc])
        snapshot.add_metrics(metrics_documents(self._db, [], None, since=since))
        snapshot.started = now
        if now - snapshot.read_in_full > FULL_READ_EVERY and self._full_read is None:
            self._full_read = threading.Thread(target=self._replace, name="companion-full-read", daemon=True)
            self._full_read.start()
        return snapshot

    def _read_all(self, now: datetime) -> _Snapshot:
        snapshot = _Snapshot(started=now, read_in_full=now, horizon=now - timedelta(days=self._days))
        snapshot.add_raw_files(acquired_since(self._db, snapshot.horizon, None))
        snapshot.add_metrics(metrics_documents(self._db, [], None, since=snapshot.horizon - METRICS_SLACK))
        return snapshot

    def _replace(self) -> None:
        """Read the whole window again, outside the lock, then catch up on what was written meanwhile."""
        try:
            fresh = self._read_all(self._clock())
            with self._lock:
                self._snapshot = fresh
                self._current()
        finally:
            self._full_read = None
