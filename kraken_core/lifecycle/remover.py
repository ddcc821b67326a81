"""Free instrument disk space: delete the oldest raw files whose backup is proven identical, never any other.

Per instrument below `min_free_space_gb`, raw files older than `min_file_age_days` are taken oldest first until
enough space is freed. A raw file is deleted only when every one of its instrument files matches the record by
size and md5 AND every backup copy matches the record (pool: size and md5 re-read; S3: size and ETag by HEAD).
Files not in the record, links and changed files stop the deletion of that raw file. Each file's inode, size and
mtime are compared again right before it is unlinked. Every deletion and refusal goes to `instrument_file_log`:
a `deleting` entry naming the files is written before the first unlink (no log, no deletion), the outcome after.
A failure once a file is gone is reported as a deletion that failed half-way, never as a refusal.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from pymongo.database import Database

from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.free_space import FreeSpaceProbe, probe_free_bytes, statvfs_free_bytes
from kraken_core.lifecycle.instrument_copies import (
    PresentFile,
    current_locators,
    differences_from_record,
    present_files,
    signature_of,
)
from kraken_core.lifecycle.mode import LifecycleMode
from kraken_core.lifecycle.outcomes import FileOutcome, InstrumentReport
from kraken_core.lifecycle.paths import top_entries
from kraken_core.lifecycle.run_instruments import StepRecorder, instrument_ready, run_per_instrument
from kraken_core.lifecycle.verification import BackupVerifier
from kraken_core.raw_file_backup import RawFileLocation
from kraken_core.record.raw_files import get_raw_file, raw_file_ids_acquired_before, update_raw_file
from kraken_core.statuses import InstrumentFileStatus

PURGEABLE_STATUSES = [str(InstrumentFileStatus.INITIAL), str(InstrumentFileStatus.MOVED)]


class PurgeInterrupted(RuntimeError):
    """A file changed between its verification and its deletion; the rest of the raw file is kept."""


@dataclass(frozen=True)
class PurgeHooks:
    """Called after a raw file is verified and after each unlink; lets tests stop a run at exactly that point."""

    after_verify: Callable[[str], None] | None = None
    after_unlink: Callable[[Path], None] | None = None


def _ensure_writable(path: Path) -> None:
    """Bruker method folders (`.m`) are read-only, and so are files with the read-only attribute on a share."""
    st = os.lstat(path)
    if not st.st_mode & stat.S_IWUSR:
        os.chmod(path, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)


def _top_folders(config: KrakenConfig, raw: RawFileLocation, file_info: dict, doc: dict) -> list[Path]:
    """Folders (Bruker `.d`) of this raw file that exist on the instrument, even when no file is left in them."""
    folders = []
    for locate in current_locators(doc):
        for top in top_entries(file_info):
            path = locate(config, raw, top)
            if path.is_dir() and not path.is_symlink():
                folders.append(path)
    return folders


def _remove_empty_folders(top: Path) -> list[Path]:
    """Remove `top` and its subfolders bottom-up where they are empty; return the folders that stay."""
    kept = []
    for root, _dirs, _files in os.walk(top, topdown=False):
        folder = Path(root)
        _ensure_writable(folder.parent)
        try:
            folder.rmdir()
        except OSError:
            kept.append(folder)
    return kept


class Remover:
    def __init__(
        self,
        config: KrakenConfig,
        db: Database,
        mode: LifecycleMode,
        verifier: BackupVerifier,
        *,
        free_space: FreeSpaceProbe = statvfs_free_bytes,
        now: datetime | None = None,
        run_id: str | None = None,
        hooks: PurgeHooks = PurgeHooks(),
    ):
        self.config, self.db, self.mode, self.verifier = config, db, mode, verifier
        self.free_space = free_space
        self.now = now or datetime.now(UTC)
        self.hooks = hooks
        self.recorder = StepRecorder(db, "purge", mode, run_id)

    def run(self, instrument_ids: list[str] | None = None) -> list[InstrumentReport]:
        ids = instrument_ids if instrument_ids is not None else list(self.config.instruments)
        return run_per_instrument(ids, "purge", self.purge_instrument, self.recorder)

    def purge_instrument(self, report: InstrumentReport) -> None:
        instrument_id = report.instrument_id
        settings = self.config.instruments[instrument_id].lifecycle
        if not instrument_ready(self.config, report, settings.purges_files, "min_free_space_gb: 0", "purging"):
            return
        folder = self.config.instrument_folder(instrument_id)
        report.free_before = probe_free_bytes(self.free_space, folder)
        report.need_bytes = max(0, round(settings.min_free_space_gb * 1e9) - report.free_before)
        if report.need_bytes:
            self._purge_oldest(report, settings.min_file_age_days)
        report.free_after = probe_free_bytes(self.free_space, folder)

    def candidates(self, instrument_id: str, min_file_age_days: float) -> list[str]:
        cutoff = self.now - timedelta(days=min_file_age_days)
        return raw_file_ids_acquired_before(self.db, instrument_id, PURGEABLE_STATUSES, cutoff)

    def _purge_oldest(self, report: InstrumentReport, min_file_age_days: float) -> None:
        max_errors = self.config.lifecycle.max_errors_per_instrument
        for raw_file_id in self.candidates(report.instrument_id, min_file_age_days):
            if report.freed_bytes >= report.need_bytes:
                return
            doc = get_raw_file(self.db, raw_file_id)
            if doc is None:
                continue
            try:
                outcome = self.purge_raw_file(doc)
            except Exception as err:
                outcome = FileOutcome(raw_file_id, "refused", f"{type(err).__name__}: {err}; nothing was deleted",
                                      error=True)
            if outcome.action != "skipped":
                try:
                    self.recorder.outcome(report.instrument_id, outcome)
                except Exception as err:
                    if outcome.action != "deleted":
                        raise
                    outcome = replace(outcome, error=True, reason=f"{outcome.reason}; writing this outcome to the "
                                      f"lifecycle log failed ({type(err).__name__}: {err}), its 'deleting' entry "
                                      f"names the files")
            report.outcomes.append(outcome)
            if report.errors >= max_errors:
                report.aborted = True
                return

    def purge_raw_file(self, doc: dict) -> FileOutcome:
        raw = RawFileLocation.from_doc(doc)
        file_info = doc.get("file_info") or {}
        if not file_info:
            return FileOutcome(raw.raw_file_id, "refused", "the record has no file_info (never checksummed), so "
                               "there is no proven backup")
        if why := self.verifier.not_eligible(doc):
            return FileOutcome(raw.raw_file_id, "refused", why)
        present, problems = present_files(self.config, raw, file_info, current_locators(doc))
        folders = _top_folders(self.config, raw, file_info, doc)
        if problems:
            return FileOutcome(raw.raw_file_id, "refused", "; ".join(problems), error=True)
        if not present and not folders:
            return FileOutcome(raw.raw_file_id, "skipped", "none of its files is on the instrument any more")
        with ThreadPoolExecutor(max_workers=2) as both:  # instrument share and backup are read at the same time
            instrument_side = both.submit(differences_from_record, present, file_info)
            backup_side = both.submit(self.verifier.problems, doc, raw, file_info)
            problems = instrument_side.result() + backup_side.result()
        if problems:
            return FileOutcome(raw.raw_file_id, "refused", "; ".join(problems) + "; nothing was deleted",
                               error=True, files=len(present))
        size = sum(item.size for item in present)
        if self.hooks.after_verify:
            self.hooks.after_verify(raw.raw_file_id)
        proof = f"instrument files and backup match the record ({self.verifier.description})"
        if not self.mode.destructive:
            return FileOutcome(raw.raw_file_id, "would_delete", f"{proof}; {self.mode.reason}", size,
                               files=len(present))
        self.recorder.intent(doc["instrument_id"], raw.raw_file_id, "deleting", proof, size,
                             [str(item.path) for item in present])
        deleted: list[PresentFile] = []
        step = "deleting its files"
        try:
            kept = self._delete(present, folders, deleted)
            step = "setting instrument_file_status purged in its record"
            update_raw_file(self.db, raw.raw_file_id, instrument_file_status=str(InstrumentFileStatus.PURGED))
        except Exception as err:
            if not deleted:
                raise
            freed = sum(item.size for item in deleted)
            return FileOutcome(
                raw.raw_file_id, "deleted",
                f"{len(deleted)} of {len(present)} instrument files deleted ({freed} bytes; {proof}), then "
                f"{step} failed: {type(err).__name__}: {err}. The next purge run verifies and deletes the rest",
                freed, error=True, files=len(deleted))
        note = f"; folders kept because they are not empty: {', '.join(map(str, kept))}" if kept else ""
        return FileOutcome(raw.raw_file_id, "deleted", proof + note, size, files=len(present))

    def _delete(self, present: list[PresentFile], folders: list[Path], deleted: list[PresentFile]) -> list[Path]:
        """Unlink each file (appended to `deleted` once gone), then the folders left empty."""
        for item in sorted(present, key=lambda p: PurePosixPath(p.rel).parts):
            try:
                now = signature_of(os.lstat(item.path))
            except FileNotFoundError:
                now = None
            if now != item.signature:
                raise PurgeInterrupted(
                    f"instrument file {item.path} changed or vanished after it was verified; {len(deleted)} files "
                    f"deleted before it (their backups are verified), the rest kept. The next run verifies again"
                )
            _ensure_writable(item.path.parent)
            _ensure_writable(item.path)
            item.path.unlink()
            deleted.append(item)
            if self.hooks.after_unlink:
                self.hooks.after_unlink(item.path)
        kept = []
        for folder in folders:
            kept += _remove_empty_folders(folder)
        return kept
