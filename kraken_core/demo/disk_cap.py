"""Keeps the demo's run folder (`.run/`: instrument folders, backups, output, Dagster's storage, the local database)
under a stated size, so `make demo` can run for hours on a laptop.

Over the cap, the simulator deletes its own oldest acquisitions from the instrument folders, and only those whose
record says they are finished (a terminal status) with a verified backup, whose files on disk still have the
recorded sizes; each is then marked `instrument_file_status: purged`, as the platform's purge does. Backups and
quantification output are never deleted here: the platform keeps backups forever, so they count towards the cap, and
when what is left is over it, the simulator pauses new acquisitions until the folder is under the cap again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kraken_core.numbers import human_size
from kraken_core.statuses import TERMINAL_STATUSES, VERIFIED_BACKUP_STATUSES, InstrumentFileStatus

DEFAULT_CAP_GB = 2.0
GB = 1024**3  # as human_size counts, so a cap of 2 reads `2.00 GB`


def simulated_name_pattern(instrument_id: str, suffix: str) -> re.Pattern[str]:
    """The names the simulator gives its acquisitions (and only those)."""
    return re.compile(rf"[0-9]{{8}}_[0-9]{{6}}_{re.escape(instrument_id)}_PRJ1_HeLa_[0-9]{{3,}}{re.escape(suffix)}")


def disk_usage(folder: Path) -> int:
    """Bytes on disk under `folder` (allocated blocks, as `du` counts them); files vanishing meanwhile are skipped."""
    total = 0
    for root, dirs, files in os.walk(folder):
        for name in files + dirs:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def why_not_deletable(doc: dict | None) -> str | None:
    """None when the record allows deleting the acquisition's instrument files, else the reason in words."""
    if doc is None:
        return "not in the record yet"
    if doc.get("status") not in TERMINAL_STATUSES:
        return f"still being processed (status {doc.get('status')})"
    if doc.get("backup_status") not in VERIFIED_BACKUP_STATUSES:
        return f"its backup is not verified (backup_status {doc.get('backup_status')})"
    if doc.get("instrument_file_status", str(InstrumentFileStatus.INITIAL)) != str(InstrumentFileStatus.INITIAL):
        return f"its instrument files are {doc.get('instrument_file_status')} already"
    if not doc.get("file_info"):
        return "the record lists none of its files"
    return None


def files_as_recorded(folder: Path, file_info: dict) -> tuple[list[Path], list[str]]:
    """The recorded files under the instrument folder, and each difference from the record (size, missing)."""
    paths, problems = [], []
    for rel, (size, *_rest) in sorted(file_info.items()):
        path = folder.joinpath(*PurePosixPath(rel).parts)
        try:
            on_disk = path.lstat().st_size
        except FileNotFoundError:
            problems.append(f"{path} is missing")
            continue
        if on_disk != size:
            problems.append(f"{path} has {on_disk} bytes, the record says {size}")
        paths.append(path)
    return paths, problems


def delete_files(folder: Path, paths: Iterable[Path]) -> None:
    """Unlink the files, then the folders of the acquisition left empty (a Bruker `.d` tree)."""
    parents = set()
    for path in paths:
        path.unlink(missing_ok=True)
        parents.update(p for p in path.parents if p != folder and folder in p.parents)
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        try:
            parent.rmdir()
        except OSError:
            pass  # not empty: something else is in it, left alone


@dataclass(frozen=True)
class Acquisition:
    instrument_id: str
    folder: Path
    name: str
    mtime: float


@dataclass
class CapReport:
    usage: int
    cap: int
    deleted: list[str]
    freed: int
    pause: bool
    kept: dict[str, str]  # name -> why it was not deleted

    def lines(self) -> list[str]:
        out = [f"simulator: deleted {name} from the instrument folder (finished, backup verified in the record)"
               for name in self.deleted]
        if self.deleted:
            out.append(f"simulator: the run folder was {human_size(self.usage)}, over its cap of "
                       f"{human_size(self.cap)}; freed {human_size(self.freed)} by deleting {len(self.deleted)} "
                       f"simulated acquisition(s)")
        if self.pause:
            waiting = "; ".join(f"{name}: {why}" for name, why in list(self.kept.items())[:3])
            out.append(f"simulator: the run folder is {human_size(self.usage - self.freed)}, over its cap of "
                       f"{human_size(self.cap)}, with nothing more it may delete (backups and output are kept"
                       + (f"; waiting: {waiting}" if waiting else "") + "); new acquisitions pause until it is "
                       "under the cap (raise --disk-cap-gb / KRAKEN_DEMO_DISK_CAP_GB, or stop and `make clean`)")
        return out


def simulated_acquisitions(instruments: dict[str, tuple[Path, str]]) -> list[Acquisition]:
    """Every acquisition the simulator wrote, oldest first; `instruments` maps id -> (folder, name suffix)."""
    found = []
    for instrument_id, (folder, suffix) in instruments.items():
        pattern = simulated_name_pattern(instrument_id, suffix)
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            if pattern.fullmatch(entry.name):
                try:
                    found.append(Acquisition(instrument_id, folder, entry.name, entry.stat().st_mtime))
                except FileNotFoundError:
                    pass
    return sorted(found, key=lambda a: (a.mtime, a.name))


def enforce_cap(run_dir: Path, cap: int, acquisitions: list[Acquisition],
                record_of: Callable[[Acquisition], dict | None],
                mark_purged: Callable[[dict], None]) -> CapReport:
    """Delete the oldest deletable acquisitions until `run_dir` is under `cap`; say what was done and whether to pause.

    `record_of` reads an acquisition's raw file document (None if not registered), `mark_purged` records the delete.
    The newest acquisition of each instrument is never touched: it may still be growing.
    """
    usage = disk_usage(run_dir)
    report = CapReport(usage, cap, [], 0, False, {})
    if usage <= cap:
        return report
    newest = {}
    for acquisition in acquisitions:
        newest[acquisition.instrument_id] = acquisition
    for acquisition in acquisitions:
        if usage - report.freed <= cap:
            break
        if newest[acquisition.instrument_id] is acquisition:
            continue
        doc = record_of(acquisition)
        why = why_not_deletable(doc)
        if why is None:
            paths, problems = files_as_recorded(acquisition.folder, doc["file_info"])
            why = "; ".join(problems) or None
        if why is not None:
            report.kept[acquisition.name] = why
            continue
        size = sum(p.lstat().st_blocks * 512 for p in paths)
        delete_files(acquisition.folder, paths)
        mark_purged(doc)
        report.deleted.append(acquisition.name)
        report.freed += size
    report.pause = usage - report.freed > cap
    return report


def record_of_in(db) -> Callable[[Acquisition], dict | None]:
    """Reads an acquisition's raw file document from the record (None unless exactly one of that instrument)."""
    from kraken_core.record.raw_files import find_by_original_names, get_raw_file

    def read(acquisition: Acquisition) -> dict | None:
        docs = [d for d in find_by_original_names(db, [acquisition.name])[acquisition.name]
                if d.get("instrument_id") == acquisition.instrument_id]
        return get_raw_file(db, docs[0]["_id"]) if len(docs) == 1 else None

    return read


def mark_purged_in(db) -> Callable[[dict], None]:
    """Records a delete as the platform's purge does: `instrument_file_status: purged`."""
    from kraken_core.record.raw_files import update_raw_file

    def mark(doc: dict) -> None:
        update_raw_file(db, doc["_id"], instrument_file_status=str(InstrumentFileStatus.PURGED))

    return mark
