"""Re-quantification: which raw files an operator's selection means, and whether each can be quantified again.
No I/O except checking that the backup copy is there (the job reads it, never the instrument file).

A raw file is quantified again with the settings that apply to it now, from its copy in the backup pool: it
works after the instrument file was moved to `Backup/` or purged. Files whose jobs are running (`quanting`), or
whose backup was never verified, are left alone with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from kraken_core.config.schema import KrakenConfig
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_relpath
from kraken_core.safe_paths import safe_join
from kraken_core.statuses import VERIFIED_BACKUP_STATUSES, RawFileStatus

REQUANTIFIABLE_STATUSES = frozenset(str(s) for s in (
    RawFileStatus.DONE, RawFileStatus.DONE_NOT_QUANTED, RawFileStatus.QUANTING_FAILED, RawFileStatus.ERROR,
    RawFileStatus.QUEUED_FOR_QUANTING,
))
MAX_FILES = 1000


class SelectionError(ValueError):
    """The selection is empty, contradictory or names a status that cannot be quantified again."""


def _day(value: str | date | datetime | None, end: bool) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            raise SelectionError(f"not a date (YYYY-MM-DD) or ISO time: {value!r}") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    start = datetime.combine(value, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end else start  # a date `to` includes that whole day


@dataclass(frozen=True)
class Selection:
    raw_file_ids: tuple[str, ...] = ()
    project_id: str | None = None
    instrument_id: str | None = None
    created_from: datetime | None = None   # inclusive
    created_to: datetime | None = None     # exclusive
    statuses: tuple[str, ...] = ()
    max_files: int = 100

    @classmethod
    def build(cls, *, raw_file_ids=(), project_id=None, instrument_id=None, created_from=None, created_to=None,
              statuses=(), max_files: int = 100) -> Selection:
        selection = cls(tuple(r for r in raw_file_ids if r), project_id or None, instrument_id or None,
                        _day(created_from, end=False), _day(created_to, end=True),
                        tuple(str(s) for s in statuses if s), int(max_files))
        selection.check()
        return selection

    def check(self) -> None:
        if not (self.raw_file_ids or self.project_id or self.instrument_id or self.created_from or self.created_to
                or self.statuses):
            raise SelectionError("name raw files, or a project, instrument, date range or status to select by; "
                                 "an empty selection would mean every raw file")
        unknown = [s for s in self.statuses if s not in REQUANTIFIABLE_STATUSES]
        if unknown:
            raise SelectionError(f"status {', '.join(unknown)} cannot be quantified again; choose among "
                                 f"{', '.join(sorted(REQUANTIFIABLE_STATUSES))}")
        if self.created_from and self.created_to and self.created_from >= self.created_to:
            raise SelectionError("created_from must be before created_to")
        if not 1 <= self.max_files <= MAX_FILES:
            raise SelectionError(f"max_files must be between 1 and {MAX_FILES}")

    def query(self) -> dict:
        """The record filter (field names of the raw_file collection)."""
        query: dict = {}
        if self.raw_file_ids:
            query["_id"] = {"$in": list(self.raw_file_ids)}
        if self.project_id:
            query["project_id"] = self.project_id
        if self.instrument_id:
            query["instrument_id"] = self.instrument_id
        if self.created_from or self.created_to:
            query["created_at"] = {k: v for k, v in (("$gte", self.created_from), ("$lt", self.created_to)) if v}
        query["status"] = {"$in": list(self.statuses or REQUANTIFIABLE_STATUSES)}
        return query


def backup_copy(config: KrakenConfig, doc: dict) -> Path:
    """The raw file's copy in the backup pool, as the workers see it (the job gets the cluster's view of it)."""
    raw = RawFileLocation.from_doc(doc)
    return safe_join(backup_base_path(config, raw), backup_relpath(raw, raw.original_name))


def skip_reason(config: KrakenConfig, doc: dict) -> str | None:
    """Why this raw file cannot be quantified again now, or None."""
    if doc.get("status") not in REQUANTIFIABLE_STATUSES:
        return f"status {doc.get('status')} (only {', '.join(sorted(REQUANTIFIABLE_STATUSES))} are re-quantified)"
    if doc.get("backup_status") not in VERIFIED_BACKUP_STATUSES:
        return f"its backup was not verified (backup_status {doc.get('backup_status')})"
    copy = backup_copy(config, doc)
    if not copy.exists():
        return f"its backup copy {copy} is missing"
    return None
