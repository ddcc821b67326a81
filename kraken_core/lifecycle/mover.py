"""Move a backed-up raw file's instrument files into the instrument's `Backup/` folder, keeping the acquisition
folder tidy. Nothing is deleted here: files are renamed within the instrument share.

A raw file is due `file_move_delay_m` minutes after its backup copy was written (the newest copy's mtime), once
its backup status says the copy was verified and every copy still has the recorded size. The main file's size is
checked against the record first, so a new acquisition that reused the name is never moved. When an identical
copy is already in `Backup/` (a crash after the rename, or a file copied back by hand), the source is renamed
`*.deleteme` instead, for the remover to delete after verification.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from pymongo.database import Database

from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.instrument_copies import differences_from_record, present_files
from kraken_core.lifecycle.mode import LifecycleMode
from kraken_core.lifecycle.outcomes import FileOutcome, InstrumentReport
from kraken_core.lifecycle.paths import (
    acquisition_path,
    deleteme_path,
    main_relpath,
    members_of,
    moved_path,
    top_entries,
)
from kraken_core.lifecycle.run_instruments import StepRecorder, instrument_ready, run_per_instrument
from kraken_core.locations import check_location
from kraken_core.raw_file_backup import FileInfo, RawFileLocation, backup_base_path, backup_relpath
from kraken_core.record.raw_files import raw_files_with_verified_backup, update_raw_file
from kraken_core.safe_paths import safe_join
from kraken_core.statuses import InstrumentFileStatus


class MoveRefused(RuntimeError):
    """The files of a raw file are not in a state where moving them is certainly right; they stay."""


@dataclass(frozen=True)
class PlannedMove:
    source: Path
    target: Path
    kind: str  # "move" into Backup/, or "rename" to *.deleteme beside an identical moved copy


def backup_written_at(config: KrakenConfig, raw: RawFileLocation, file_info: FileInfo) -> float:
    """Modification time of the newest backup copy; raises MoveRefused when a copy is missing or has another size."""
    base = backup_base_path(config, raw)
    newest = 0.0
    for rel, (size, *_rest) in file_info.items():
        target = safe_join(base, backup_relpath(raw, rel))
        try:
            st = os.stat(target)
        except FileNotFoundError:
            raise MoveRefused(f"backup copy {target} is missing; re-materialize raw_file_backup") from None
        if st.st_size != size:
            raise MoveRefused(f"backup copy {target} is {st.st_size} bytes, the record says {size}; "
                              f"re-materialize raw_file_backup")
        newest = max(newest, st.st_mtime)
    return newest


class Mover:
    def __init__(
        self, config: KrakenConfig, db: Database, mode: LifecycleMode, *, now: float | None = None,
        run_id: str | None = None,
    ):
        self.config, self.db, self.mode = config, db, mode
        self.now = now if now is not None else time.time()
        self.recorder = StepRecorder(db, "move", mode, run_id)

    def run(self, instrument_ids: list[str] | None = None) -> list[InstrumentReport]:
        ids = instrument_ids if instrument_ids is not None else list(self.config.instruments)
        return run_per_instrument(ids, "move", self.move_instrument, self.recorder)

    def candidates(self, instrument_id: str) -> list[dict]:
        return raw_files_with_verified_backup(self.db, instrument_id, str(InstrumentFileStatus.INITIAL))

    def due(self, instrument_id: str) -> list[tuple[dict, str | None]]:
        """Raw files to act on now, each with the reason it must be refused (None when it can be moved)."""
        delay_s = self.config.instruments[instrument_id].lifecycle.file_move_delay_m * 60
        due = []
        for doc in self.candidates(instrument_id):
            raw = RawFileLocation.from_doc(doc)
            try:
                written = backup_written_at(self.config, raw, doc.get("file_info") or {})
            except MoveRefused as err:
                due.append((doc, str(err)))
                continue
            if self.now - written >= delay_s:
                due.append((doc, None))
        return due

    def move_instrument(self, report: InstrumentReport) -> None:
        instrument_id = report.instrument_id
        enabled = self.config.instruments[instrument_id].lifecycle.moves_files
        if not instrument_ready(self.config, report, enabled, "file_move_delay_m: -1", "moving"):
            return
        backup = check_location(self.config.locations.backup, "backup")
        if not backup.ok:
            report.error = f"{backup.details}; backups cannot be confirmed, so nothing is moved"
            return
        max_errors = self.config.lifecycle.max_errors_per_instrument
        for doc, refusal in self.due(instrument_id):
            if refusal is not None:
                outcome = FileOutcome(doc["_id"], "refused", refusal + "; the instrument files stay", error=True)
            else:
                try:
                    outcome = self.move_raw_file(doc)
                except (MoveRefused, OSError) as err:
                    outcome = FileOutcome(doc["_id"], "refused", f"{err}; the instrument files stay", error=True)
            report.outcomes.append(outcome)
            self.recorder.outcome(instrument_id, outcome)
            if report.errors >= max_errors:
                report.aborted = True
                return

    def plan(self, raw: RawFileLocation, file_info: FileInfo) -> list[PlannedMove]:
        main = main_relpath(self.config, raw)
        if main not in file_info:
            raise MoveRefused(f"the record of {raw.raw_file_id} has no main file {main}")
        source_main = acquisition_path(self.config, raw, main)
        if os.path.lexists(source_main) and os.lstat(source_main).st_size != file_info[main][0]:
            raise MoveRefused(
                f"main file {source_main} is {os.lstat(source_main).st_size} bytes, but {raw.raw_file_id} was "
                f"recorded with {file_info[main][0]}: a new acquisition may have reused the name"
            )
        planned = []
        for top in top_entries(file_info):
            source, target = acquisition_path(self.config, raw, top), moved_path(self.config, raw, top)
            if source.is_symlink() or target.is_symlink():
                raise MoveRefused(f"{source} or {target} is a link; links are never followed or moved")
            if not os.path.lexists(source):
                if not os.path.lexists(target):
                    raise MoveRefused(f"{source} is neither in the acquisition folder nor in {target.parent}; "
                                      f"it was moved or deleted by someone else: find it")
                continue
            if not os.path.lexists(target):
                planned.append(PlannedMove(source, target, "move"))
                continue
            members = {rel: file_info[rel] for rel in members_of(top, file_info)}
            found, problems = present_files(self.config, raw, members, [moved_path])
            problems += differences_from_record(found, file_info)
            missing = sorted(set(members) - {f.rel for f in found})
            problems += [f"{moved_path(self.config, raw, rel)} is missing" for rel in missing]
            if problems:
                raise MoveRefused(f"a different {target} is already in Backup/ ({'; '.join(problems)})")
            renamed = deleteme_path(self.config, raw, top)
            if os.path.lexists(renamed):
                raise MoveRefused(f"{renamed} already exists; delete or rename it by hand")
            planned.append(PlannedMove(source, renamed, "rename"))
        return planned

    def move_raw_file(self, doc: dict) -> FileOutcome:
        raw = RawFileLocation.from_doc(doc)
        file_info = doc.get("file_info") or {}
        planned = self.plan(raw, file_info)
        summary = ", ".join(
            f"{p.source.name} -> {p.target.name if p.kind == 'rename' else p.target}" for p in planned
        ) or "already in Backup/"
        size = sum(size for size, *_ in file_info.values())
        if not self.mode.destructive:
            return FileOutcome(raw.raw_file_id, "would_move", f"{summary}; {self.mode.reason}", size,
                               files=len(planned))
        for move in planned:
            if os.path.lexists(move.target):
                raise MoveRefused(f"{move.target} appeared while moving; nothing was overwritten")
            move.target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(move.source, move.target)
        update_raw_file(self.db, raw.raw_file_id, instrument_file_status=str(InstrumentFileStatus.MOVED))
        return FileOutcome(raw.raw_file_id, "moved", summary, size, files=len(planned))
