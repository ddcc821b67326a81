"""One tick of an instrument watcher: list the folder, register new acquisitions, decide which finished.

The state between ticks (`WatcherState`) holds every raw file still in the folder with its main-file size,
so a tick with no new file makes no per-file database query. New names are looked up in the record in one
query per page; a backlog is paged across ticks inside a time budget, youngest first. Every database write
of a tick is safe to repeat, so a tick that fails half-way loses no file: the next tick finds the record
and carries on (a finished file whose run was never requested is requested again; run keys de-duplicate).
"""

from __future__ import annotations

import base64
import json
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database

from kraken_core.acquisition import NewerFiles, Tracked, Verdict, Watch, decide
from kraken_core.config.schema import KrakenConfig
from kraken_core.raw_file_id import collision_prefix, project_id_for, raw_file_id
from kraken_core.record.raw_files import (
    RawFileIdTaken,
    find_by_original_names,
    register_raw_file,
    update_raw_file,
)
from kraken_core.statuses import RawFileStatus
from kraken_core.vendors import RawEntry, is_failed_acquisition_name, main_file_relpath, scan_instrument_folder

STATE_VERSION = 1
MONITORING = {str(RawFileStatus.QUEUED_FOR_MONITORING), str(RawFileStatus.MONITORING_ACQUISITION)}


@dataclass
class WatcherState:
    files: dict[str, Tracked] = field(default_factory=dict)
    backlog_since: float | None = None

    def to_cursor(self) -> str:
        files = {
            name: [t.size, t.first_seen]
            + ([[t.watch.raw_file_id, t.watch.since, t.watch.baseline_at, t.watch.stable_since, t.watch.details]]
               if t.watch else [])
            for name, t in self.files.items()
        }
        payload = json.dumps({"v": STATE_VERSION, "files": files, "backlog_since": self.backlog_since},
                             separators=(",", ":"))
        return "z:" + base64.b64encode(zlib.compress(payload.encode(), 6)).decode()

    @classmethod
    def from_cursor(cls, cursor: str | None) -> WatcherState:
        if not cursor:
            return cls()
        payload = zlib.decompress(base64.b64decode(cursor[2:])) if cursor.startswith("z:") else cursor.encode()
        data = json.loads(payload)
        if data.get("v") != STATE_VERSION:
            return cls()
        files = {}
        for name, row in data["files"].items():
            watch = Watch(*row[2]) if len(row) > 2 else None
            files[name] = Tracked(size=row[0], first_seen=row[1], watch=watch)
        return cls(files=files, backlog_since=data.get("backlog_since"))


@dataclass(frozen=True)
class FinishedAcquisition:
    raw_file_id: str
    original_name: str
    mtime: float
    failed: bool
    reason: str


@dataclass
class TickOutcome:
    state: WatcherState
    finished: list[FinishedAcquisition] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    deferred: int = 0
    log: list[str] = field(default_factory=list)
    db_queries: int = 0


def _recorded_main_size(doc: dict, main_relpath: str) -> int | None:
    info = (doc.get("file_info") or {}).get(main_relpath)
    return int(info[0]) if info else None


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class InstrumentWatcher:
    """Applies the vendor and acquisition rules of one instrument to its folder and the record."""

    def __init__(self, db: Database, config: KrakenConfig, instrument_id: str, project_ids: list[str] | None = None):
        self.db = db
        self.config = config
        self.instrument_id = instrument_id
        self.vendor = config.instruments[instrument_id].type
        self.folder: Path = config.instrument_folder(instrument_id)
        self.timings = config.timings
        self._extra_project_ids = list(project_ids or [])
        self._project_ids: list[str] | None = None

    def project_ids(self) -> list[str]:
        """Project ids of the configuration and of the record's `project` collection, read once per tick."""
        if self._project_ids is None:
            recorded = [str(p["_id"]) for p in self.db.project.find({}, {"_id": 1})]
            self._project_ids = [*self.config.project_ids, *self._extra_project_ids, *recorded]
        return self._project_ids

    def tick(self, state: WatcherState, now: float | None = None, clock=time.monotonic) -> TickOutcome:
        now = time.time() if now is None else now
        deadline = clock() + self.timings.watcher_tick_budget_s
        listing = scan_instrument_folder(self.folder, self.vendor)
        files = dict(state.files)
        out = TickOutcome(state=state)

        for name in [n for n in files if n not in listing]:
            tracked = files.pop(name)
            if tracked.watch is not None:
                reason = (
                    f"{name} disappeared from {self.folder} before its acquisition finished "
                    f"(renamed or deleted on the instrument PC); nothing was backed up"
                )
                update_raw_file(self.db, tracked.watch.raw_file_id, status=RawFileStatus.ACQUISITION_FAILED,
                                status_details=reason)
                out.log.append(f"{self.instrument_id}: {reason}")

        for name, tracked in list(files.items()):
            if tracked.watch is None and listing[name].main_size != tracked.size:
                # A finished file whose main file changed size: another file now carries this name.
                files.pop(name)
                out.log.append(f"{self.instrument_id}: {name} changed size after it was registered; "
                               f"treating it as a new acquisition")

        new_names = sorted((n for n in listing if n not in files), key=lambda n: listing[n].mtime, reverse=True)
        page, rest = new_names[: self.timings.watcher_page_size], new_names[self.timings.watcher_page_size :]
        seen_at = state.backlog_since if state.backlog_since is not None else now
        admitted = 0
        while page and clock() < deadline:
            chunk, page = page[:100], page[100:]
            admitted += len(chunk)
            self._admit(chunk, listing, files, seen_at, now, out)
        out.deferred = len(page) + len(rest)
        backlog_since = (state.backlog_since or now) if out.deferred else None
        if out.deferred:
            out.log.append(f"{self.instrument_id}: {out.deferred} raw files wait for the next tick (backlog)")

        newer = NewerFiles({n: t.first_seen for n, t in files.items()})
        for name, tracked in list(files.items()):
            if tracked.watch is None:
                continue
            decision = decide(listing[name], tracked, newer, now, self.timings)
            files[name] = decision.tracked
            if decision.verdict is Verdict.WAIT:
                if decision.reason != tracked.watch.details:
                    update_raw_file(self.db, tracked.watch.raw_file_id, status_details=decision.reason)
                    files[name] = Tracked(decision.tracked.size, decision.tracked.first_seen,
                                          Watch(**{**decision.tracked.watch.__dict__, "details": decision.reason}))
                continue
            self._finish(name, listing[name], tracked.watch.raw_file_id, decision.verdict is Verdict.FAILED,
                         decision.reason, files, out)

        out.state = WatcherState(files=files, backlog_since=backlog_since)
        return out

    def _finish(self, name: str, entry: RawEntry, rid: str, failed: bool, reason: str,
                files: dict[str, Tracked], out: TickOutcome) -> None:
        status = RawFileStatus.ACQUISITION_FAILED if failed else RawFileStatus.MONITORING_DONE
        update_raw_file(self.db, rid, status=status, status_details=reason)
        files[name] = Tracked(size=entry.main_size, first_seen=files[name].first_seen, watch=None)
        out.finished.append(FinishedAcquisition(rid, name, entry.mtime, failed, reason))

    def _admit(self, names: list[str], listing: dict[str, RawEntry], files: dict[str, Tracked],
               seen_at: float, now: float, out: TickOutcome) -> None:
        known = find_by_original_names(self.db, names)
        out.db_queries += 1
        for name in names:
            entry = listing[name]
            docs = known.get(name, [])
            mine = sorted((d for d in docs if d.get("instrument_id") == self.instrument_id),
                          key=lambda d: d.get("created_at_") or _utc(0), reverse=True)
            main_rel = main_file_relpath(self.vendor, name)
            resumed = next((d for d in mine if d.get("status") in MONITORING), None)
            if resumed is not None:
                files[name] = Tracked(entry.main_size, seen_at, Watch(resumed["_id"], now, now, now))
                continue
            pending = next((d for d in mine if d.get("status") == str(RawFileStatus.MONITORING_DONE)), None)
            if pending is not None:
                files[name] = Tracked(entry.main_size, seen_at, None)
                out.finished.append(FinishedAcquisition(pending["_id"], name, entry.mtime, False,
                                                        "finished earlier; requesting its run again"))
                continue
            same = [d for d in mine if _recorded_main_size(d, main_rel) in (entry.main_size, None)]
            if same:
                files[name] = Tracked(entry.main_size, seen_at, None)
                continue
            self._register(name, entry, docs, files, seen_at, now, out)

    def _register(self, name: str, entry: RawEntry, docs: list[dict], files: dict[str, Tracked],
                  seen_at: float, now: float, out: TickOutcome) -> None:
        taken = any(d["_id"] == name for d in docs)
        prefix = collision_prefix(datetime.now(UTC)) if taken else None
        rid = raw_file_id(name, prefix)
        failed = is_failed_acquisition_name(self.vendor, name)
        try:
            register_raw_file(
                self.db,
                raw_file_id=rid,
                original_name=name,
                collision_flag=prefix,
                instrument_id=self.instrument_id,
                project_id=project_id_for(name, self.project_ids()),
                status=RawFileStatus.MONITORING_ACQUISITION,
                created_at=_utc(entry.mtime),
                status_details="acquisition in progress",
            )
        except RawFileIdTaken:
            prefix = collision_prefix(datetime.now(UTC))
            rid = raw_file_id(name, prefix)
            register_raw_file(self.db, raw_file_id=rid, original_name=name, collision_flag=prefix,
                              instrument_id=self.instrument_id, project_id=project_id_for(name, self.project_ids()),
                              status=RawFileStatus.MONITORING_ACQUISITION, created_at=_utc(entry.mtime),
                              status_details="acquisition in progress")
        out.registered.append(rid)
        if prefix:
            out.log.append(f"{self.instrument_id}: {name} is already in the record as another file; "
                           f"registered as {rid} (collision)")
        files[name] = Tracked(entry.main_size, seen_at, Watch(rid, now, now, now, "acquisition in progress"))
        if failed:
            self._finish(name, entry, rid, True,
                         f"the instrument software marked {name} as corrupted (_CORRUPTED); "
                         f"the acquisition failed. Its files are still backed up", files, out)
