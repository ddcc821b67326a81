"""One tick of an instrument watcher: list the folder, register new acquisitions, decide which finished.

The state between ticks (`WatcherState`) holds every raw file still in the folder with its main-file size,
so a tick with no new file makes no per-file database query. New names are looked up in the record in one
query per page; a backlog is paged across ticks inside a time budget, youngest first. Every database write
of a tick is safe to repeat, so a tick that fails half-way loses no file: the next tick finds the record
and carries on (a finished file whose run was never requested is requested again; run keys de-duplicate).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database

from kraken_core.acquisition import Decision, NewerFiles, Tracked, Verdict, Watch, decide
from kraken_core.config.schema import KrakenConfig, Vendor
from kraken_core.raw_file_id import collision_prefix, project_id_for, raw_file_id
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_core.record.raw_files import (
    RawFileIdTaken,
    find_by_ids,
    find_by_original_names,
    project_ids,
    register_raw_file,
    update_raw_file,
    watch_again,
)
from kraken_core.statuses import COPY_IN_FLIGHT_STATUSES, RawFileStatus, is_settled
from kraken_core.vendors import RawEntry, is_failed_acquisition_name, main_file_relpath, scan_instrument_folder

STATE_VERSION = 2
MONITORING = {str(RawFileStatus.QUEUED_FOR_MONITORING), str(RawFileStatus.MONITORING_ACQUISITION)}


@dataclass
class WatcherState:
    files: dict[str, Tracked] = field(default_factory=dict)
    backlog_since: float | None = None

    def to_cursor(self) -> str:
        files = {
            name: [t.size, t.first_seen,
                   [t.watch.raw_file_id, t.watch.since, t.watch.baseline_at, t.watch.stable_since, t.watch.details]
                   if t.watch else None,
                   list(t.signature)]
            for name, t in self.files.items()
        }
        payload = json.dumps({"v": STATE_VERSION, "files": files, "backlog_since": self.backlog_since},
                             separators=(",", ":"))
        return "z:" + base64.b64encode(zlib.compress(payload.encode(), 6)).decode()

    @classmethod
    def from_cursor(cls, cursor: str | None) -> WatcherState:
        """The state of the previous tick; a cursor of another version starts afresh (every file is looked up in
        the record again, page by page, so nothing is lost or registered twice)."""
        if not cursor:
            return cls()
        payload = zlib.decompress(base64.b64decode(cursor[2:])) if cursor.startswith("z:") else cursor.encode()
        data = json.loads(payload)
        if data.get("v") != STATE_VERSION:
            return cls()
        files = {
            name: Tracked(size=size, first_seen=first_seen, watch=Watch(*watch) if watch else None,
                          signature=tuple(signature))
            for name, (size, first_seen, watch, signature) in data["files"].items()
        }
        return cls(files=files, backlog_since=data.get("backlog_since"))


@dataclass(frozen=True)
class FinishedAcquisition:
    raw_file_id: str
    original_name: str
    mtime: float
    failed: bool
    reason: str
    signature: tuple[int, ...] = ()

    @property
    def run_key(self) -> str:
        """One run per version of the file: asking again for the same version is de-duplicated, while a file
        finished again after it changed (it grew during its copy) gets a new run."""
        if not self.signature:
            return self.raw_file_id
        version = hashlib.sha256(repr(self.signature).encode()).hexdigest()[:12]
        return f"{self.raw_file_id}@{version}"


@dataclass
class TickOutcome:
    state: WatcherState
    finished: list[FinishedAcquisition] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    reused_names: list[str] = field(default_factory=list)
    deferred: int = 0
    log: list[str] = field(default_factory=list)
    db_queries: int = 0


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _newest(docs: list[dict], instrument_id: str) -> dict | None:
    mine = [d for d in docs if d.get("instrument_id") == instrument_id]
    return max(mine, key=lambda d: d.get("created_at_") or _utc(0), default=None)


def same_acquisition(doc: dict, entry: RawEntry, vendor: Vendor) -> bool:
    """Is the file the scan sees the one the record describes? Compared by signature (main file size and
    modification time, Sciex scan size); a record without one (written before signatures, or by AlphaKraken)
    is compared by the sizes in its file_info, and a record without those is taken as the same file."""
    recorded = doc.get("acquisition_signature")
    if recorded:
        return tuple(recorded) == entry.signature
    info = doc.get("file_info") or {}
    main = info.get(main_file_relpath(vendor, entry.name))
    if main is not None and int(main[0]) != entry.main_size:
        return False
    scan = info.get(entry.name + ".scan") if vendor is Vendor.SCIEX else None
    return scan is None or len(entry.signature) < 3 or int(scan[0]) == entry.signature[2]


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
            recorded = project_ids(self.db)
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

        changed = [n for n, t in files.items() if t.watch is None and listing[n].signature != t.signature]
        if changed:
            self._look_up(changed, listing, files, {n: files[n].first_seen for n in changed}, now, out)

        new_names = sorted((n for n in listing if n not in files), key=lambda n: listing[n].mtime, reverse=True)
        page, rest = new_names[: self.timings.watcher_page_size], new_names[self.timings.watcher_page_size :]
        seen_at = state.backlog_since if state.backlog_since is not None else now
        while page and clock() < deadline:
            chunk, page = page[:100], page[100:]
            self._look_up(chunk, listing, files, dict.fromkeys(chunk, seen_at), now, out)
        out.deferred = len(page) + len(rest)
        backlog_since = (state.backlog_since or now) if out.deferred else None
        if out.deferred:
            out.log.append(f"{self.instrument_id}: {out.deferred} raw files wait for the next tick (backlog)")

        newer = NewerFiles({n: t.first_seen for n, t in files.items()})
        youngest = max((e.mtime for e in listing.values()), default=None)
        ready: list[tuple[str, Decision]] = []
        for name, tracked in list(files.items()):
            if tracked.watch is None:
                continue
            decision = decide(listing[name], tracked, newer, now, self.timings, self._old_by(listing[name], youngest))
            files[name] = decision.tracked
            if decision.verdict is Verdict.WAIT:
                self._note(name, decision.reason, files)
            else:
                ready.append((name, decision))
        if ready:
            self._finish_ready(ready, listing, files, now, out)

        out.state = WatcherState(files=files, backlog_since=backlog_since)
        return out

    def _old_by(self, entry: RawEntry, youngest: float | None) -> float | None:
        """How much older than the youngest raw file this one is, if old files count as acquired and it is old."""
        switches = self.config.acquisition
        if not switches.consider_old_files_acquired or youngest is None or not entry.main_size:
            return None
        difference = youngest - entry.mtime
        return difference if difference > switches.old_file_age_difference_h * 3600 else None

    def _too_old(self, entry: RawEntry, now: float) -> str | None:
        """Why a new raw file is ignored: older than acquisition.max_file_age_in_hours (AlphaKraken's
        debug_max_file_age_in_hours)."""
        limit = self.config.acquisition.max_file_age_in_hours
        if limit is None or now - entry.mtime <= limit * 3600:
            return None
        return (f"{entry.name} is {(now - entry.mtime) / 3600:.1f} h old, older than acquisition."
                f"max_file_age_in_hours ({limit:g}); ignored: it is not backed up or quantified")

    def _note(self, name: str, details: str, files: dict[str, Tracked]) -> None:
        """Show why a raw file still waits in its status_details, written only when the reason changes."""
        tracked = files[name]
        if details != tracked.watch.details:
            update_raw_file(self.db, tracked.watch.raw_file_id, status_details=details)
            files[name] = replace(tracked, watch=replace(tracked.watch, details=details))

    def _finish_ready(self, ready: list[tuple[str, Decision]], listing: dict[str, RawEntry],
                      files: dict[str, Tracked], now: float, out: TickOutcome) -> None:
        """Finish the acquisitions the rules declared done, after one look at their records: a run may still be
        copying an earlier version of the file, or may have backed one up while it was being written again."""
        docs = find_by_ids(self.db, [files[name].watch.raw_file_id for name, _ in ready])
        out.db_queries += 1
        for name, decision in ready:
            entry, rid = listing[name], files[name].watch.raw_file_id
            doc = docs.get(rid)
            if doc is not None and doc.get("status") in COPY_IN_FLIGHT_STATUSES:
                self._note(name, f"{name} changed while a run was copying it; it is copied again once that run "
                                 f"has ended", files)
            elif doc is not None and is_settled(doc):
                if same_acquisition(doc, entry, self.vendor):
                    files[name] = Tracked(entry.main_size, files[name].first_seen, None, entry.signature)
                else:
                    self._reacquired(name, entry, doc, files, files[name].first_seen, now, out)
            else:
                self._finish(name, entry, rid, decision.verdict is Verdict.FAILED, decision.reason, files, out)

    def _finish(self, name: str, entry: RawEntry, rid: str, failed: bool, reason: str,
                files: dict[str, Tracked], out: TickOutcome) -> None:
        status = RawFileStatus.ACQUISITION_FAILED if failed else RawFileStatus.MONITORING_DONE
        # the files of this version are read afresh: identities of an earlier version's checksum no longer apply
        identity = {"acquisition_inode": list(entry.identity) if entry.identity else None, "file_inodes": None}
        update_raw_file(self.db, rid, status=status, status_details=reason,
                        acquisition_signature=list(entry.signature), **identity,
                        **step_fields(Step.ACQUISITION_FINISHED, None))
        files[name] = Tracked(entry.main_size, files[name].first_seen, None, entry.signature)
        out.finished.append(FinishedAcquisition(rid, name, entry.mtime, failed, reason, entry.signature))

    def _look_up(self, names: list[str], listing: dict[str, RawEntry], files: dict[str, Tracked],
                 first_seen: dict[str, float], now: float, out: TickOutcome) -> None:
        """Decide, from the record, what raw files the watcher does not know (new to it, or changed since they
        finished) are: new acquisitions, acquisitions still being watched, or files the record already has."""
        known = find_by_original_names(self.db, names)
        out.db_queries += 1
        for name in names:
            entry, seen = listing[name], first_seen[name]
            doc = _newest(known.get(name, []), self.instrument_id)
            if doc is None:
                self._register(name, entry, known.get(name, []), files, seen, now, out)
            elif doc.get("status") in MONITORING:
                files[name] = Tracked(entry.main_size, seen, Watch(doc["_id"], now, now, now))
            elif same_acquisition(doc, entry, self.vendor):
                files[name] = Tracked(entry.main_size, seen, None, entry.signature)
                if doc.get("status") == str(RawFileStatus.MONITORING_DONE):
                    out.finished.append(FinishedAcquisition(doc["_id"], name, entry.mtime, False,
                                                            "finished earlier; requesting its run again",
                                                            entry.signature))
            elif is_settled(doc):
                self._reacquired(name, entry, doc, files, seen, now, out)
            elif doc.get("status") in COPY_IN_FLIGHT_STATUSES:
                # the running copy fails on the change (or ends first); the file is finished again when stable
                files[name] = Tracked(entry.main_size, seen, Watch(doc["_id"], now, now, now))
            else:
                details = (f"{name} changed after it was declared finished (now {entry.main_size} bytes); "
                           f"watching it again until it is stable")
                watch_again(self.db, doc["_id"], details)
                out.log.append(f"{self.instrument_id}: {details}")
                files[name] = Tracked(entry.main_size, seen, Watch(doc["_id"], now, now, now, details))

    def _reacquired(self, name: str, entry: RawEntry, backed_up: dict, files: dict[str, Tracked],
                    first_seen: float, now: float, out: TickOutcome) -> None:
        """The name of a backed-up raw file now holds other data: a new acquisition under a reused name (or the
        file was written again after its backup). It becomes a raw file of its own; the old one is untouched."""
        out.reused_names.append(name)
        out.log.append(f"{self.instrument_id}: {name} is not the file backed up as {backed_up['_id']} "
                       f"(size or modification time differ); registering it as a new raw file")
        self._register(name, entry, [backed_up], files, first_seen, now, out)

    def _register(self, name: str, entry: RawEntry, docs: list[dict], files: dict[str, Tracked],
                  seen_at: float, now: float, out: TickOutcome) -> None:
        taken = any(d["_id"] == name for d in docs)
        failed = is_failed_acquisition_name(self.vendor, name)
        ignored = self._too_old(entry, now)
        fields = dict(original_name=name, instrument_id=self.instrument_id,
                      project_id=project_id_for(name, self.project_ids()),
                      status=RawFileStatus.IGNORED if ignored else RawFileStatus.MONITORING_ACQUISITION,
                      created_at=_utc(entry.mtime), status_details=ignored or "acquisition in progress")
        prefix = collision_prefix(datetime.now(UTC)) if taken else None
        try:
            rid = raw_file_id(name, prefix)
            register_raw_file(self.db, raw_file_id=rid, collision_flag=prefix, **fields)
        except RawFileIdTaken:
            prefix = collision_prefix(datetime.now(UTC))
            rid = raw_file_id(name, prefix)
            register_raw_file(self.db, raw_file_id=rid, collision_flag=prefix, **fields)
        out.registered.append(rid)
        if prefix:
            out.log.append(f"{self.instrument_id}: {name} is already in the record as another file; "
                           f"registered as {rid} (collision)")
        if ignored:
            update_raw_file(self.db, rid, acquisition_signature=list(entry.signature))
            files[name] = Tracked(entry.main_size, seen_at, None, entry.signature)
            out.log.append(f"{self.instrument_id}: {ignored}")
            return
        files[name] = Tracked(entry.main_size, seen_at, Watch(rid, now, now, now, "acquisition in progress"))
        if failed:
            self._finish(name, entry, rid, True,
                         f"the instrument software marked {name} as corrupted (_CORRUPTED); "
                         f"the acquisition failed. Its files are still backed up", files, out)
