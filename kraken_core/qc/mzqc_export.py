"""What the mzQC export reads from the record: one raw file, or a selection by instrument, QC series and acquisition
dates. The command line (`mzqc_cli`) and the companion's downloads both call these.

A selection by series takes the series' raw files as its judgement does (the file's name as acquired matches
`raw_file_pattern`, on an instrument the series covers) and only their `metrics` documents of the series'
`settings_name` when it names one. Dates bound the acquisition time (`created_at`); a date alone is its whole day
in UTC. A selection of more than `max_files` raw files is refused rather than built: a year of an instrument is
a document of hundreds of megabytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from pymongo.database import Database

from kraken_core.config.qc import QcConfig, QcSeries
from kraken_core.qc.mzqc import Run, mzqc_document
from kraken_core.record.qc_series import series_name_of
from kraken_core.record.quanting_jobs import metrics_of
from kraken_core.record.raw_files import get_raw_file
from kraken_core.record.record_reads import acquired_between, metrics_documents
from kraken_core.record.settings_catalog import settings_versions

MAX_FILES = 5000
RAW_FILE_FIELDS = {"_id": 1, "original_name": 1, "instrument_id": 1, "project_id": 1, "created_at": 1,
                   "backup_base_path": 1, "backup_status": 1, "collision_flag": 1, "file_info": 1}
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class SelectionReads(Protocol):
    """Where a selection's raw files and metrics documents come from: the record, or a reader that holds the
    recent ones (the companion's)."""

    def acquired_between(self, projection: Mapping[str, Any], *, instrument: str | None = None,
                         since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]: ...

    def metrics_documents(self, raw_file_ids: list[str]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class RecordReads:
    """A selection read from the record."""

    db: Database

    def acquired_between(self, projection: Mapping[str, Any], *, instrument: str | None = None,
                         since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
        return acquired_between(self.db, projection, instrument=instrument, since=since, until=until)

    def metrics_documents(self, raw_file_ids: list[str]) -> list[dict[str, Any]]:
        return list(metrics_documents(self.db, raw_file_ids, None))


class ExportRefused(ValueError):
    """The request cannot be exported as asked; the message says what to change."""


class NothingToExport(ExportRefused):
    """The raw file is not in the record, or nothing selected has metrics."""


def parse_time(text: str, *, end_of_day: bool, what: str) -> datetime:
    """`2026-03-01` (the whole day in UTC: its start, or with `end_of_day` its end) or an ISO 8601 time (UTC
    unless it names its zone)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max if end_of_day else time.min, tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise ExportRefused(f"{what} {text!r} is not a date or time: use 2026-03-01 or 2026-03-01T14:30") from err
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Selection:
    instrument: str | None = None
    series: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_text(cls, instrument: str | None = None, series: str | None = None, since: str | None = None,
                  until: str | None = None) -> Selection:
        return cls(instrument or None, series or None,
                   parse_time(since, end_of_day=False, what="since") if since else None,
                   parse_time(until, end_of_day=True, what="until") if until else None)

    def describe(self) -> str:
        parts = [f"instrument {self.instrument}" if self.instrument else "all instruments"]
        if self.series:
            parts.append(f"QC series {self.series}")
        if self.since or self.until:
            parts.append(f"acquired {_day(self.since) or '…'} to {_day(self.until) or '…'}")
        return ", ".join(parts)

    def file_name(self) -> str:
        parts = ["alphakraken", self.instrument or "all-instruments", *([self.series] if self.series else []),
                 *([f"{_day(self.since) or 'start'}_to_{_day(self.until) or 'now'}"] if self.since or self.until
                   else [])]
        return safe_file_name("_".join(parts)) + ".mzqc"


def _day(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value else None


def safe_file_name(text: str) -> str:
    """A file name for a download: letters, digits, `.`, `_`, `-` (a raw file id may hold anything else)."""
    return _UNSAFE_IN_FILE_NAME.sub("_", text).strip("._") or "mzqc"


def raw_file_export_name(raw_file_id: str) -> str:
    return safe_file_name(raw_file_id) + ".mzqc"


def _software_versions(db: Database, metrics: Iterable[Mapping[str, Any]]) -> dict[Any, str]:
    ids = {doc["settings_id"] for doc in metrics if doc.get("settings_id") is not None}
    return {s["_id"]: s["software"] for s in settings_versions(db, ids) if s.get("software")}


def _runs(db: Database, raw_files: list[Mapping[str, Any]], metrics: list[Mapping[str, Any]]) -> list[Run]:
    versions = _software_versions(db, metrics)
    by_raw_file: dict[str, list[Mapping[str, Any]]] = {}
    for doc in metrics:
        by_raw_file.setdefault(doc["raw_file"], []).append(doc)
    return [Run(raw_file, doc, versions.get(doc.get("settings_id")))
            for raw_file in raw_files
            for doc in sorted(by_raw_file.get(raw_file["_id"], []), key=_written)]


def _written(metrics: Mapping[str, Any]) -> datetime:
    return metrics.get("created_at_") or datetime.min.replace(tzinfo=UTC)


def raw_file_document(db: Database, raw_file_id: str, now: datetime | None = None) -> dict[str, Any]:
    raw_file = get_raw_file(db, raw_file_id)
    if raw_file is None:
        raise NothingToExport(f"raw file {raw_file_id!r} is not in the record; check the id (the raw file's name, "
                              f"or its timestamp-prefixed id after a name collision)")
    try:
        return mzqc_document(_runs(db, [raw_file], metrics_of(db, raw_file_id)),
                             f"QC metrics of raw file {raw_file_id} from the AlphaKraken record", now)
    except ValueError as err:
        raise NothingToExport(f"raw file {raw_file_id} has no metrics yet (status {raw_file.get('status')}); "
                              f"they are written when its quantification ends") from err


def _series(qc: QcConfig, name: str) -> QcSeries:
    for series in qc.series:
        if series.name == name:
            return series
    configured = ", ".join(s.name for s in qc.series) or "none is configured"
    raise ExportRefused(f"no QC series {name!r} under qc.series ({configured})")


def _instruments(selection: Selection, series: QcSeries | None, known: list[str]) -> list[str | None]:
    if selection.instrument is not None:
        if selection.instrument not in known:
            raise ExportRefused(f"instrument {selection.instrument!r} is not configured ({', '.join(known)})")
        if series is not None and not series.covers(selection.instrument):
            raise ExportRefused(f"QC series {series.name} does not cover instrument {selection.instrument} "
                                f"(its instruments: {', '.join(series.instruments)})")
        return [selection.instrument]
    if series is not None and series.instruments != "all":
        return list(series.instruments)
    return [None]


def selected_raw_files(db: Database, selection: Selection, qc: QcConfig, instruments: Iterable[str],
                       max_files: int = MAX_FILES, reads: SelectionReads | None = None
                       ) -> tuple[list[dict[str, Any]], QcSeries | None]:
    if selection.since and selection.until and selection.since > selection.until:
        raise ExportRefused(f"since {selection.since:%Y-%m-%d %H:%M} is after until {selection.until:%Y-%m-%d %H:%M}")
    series = _series(qc, selection.series) if selection.series else None
    reads = reads or RecordReads(db)
    raw_files = [doc for instrument in _instruments(selection, series, sorted(instruments))
                 for doc in reads.acquired_between(RAW_FILE_FIELDS, instrument=instrument, since=selection.since,
                                                   until=selection.until)]
    if series is not None:
        raw_files = [doc for doc in raw_files if series.pattern.search(series_name_of(doc))]
    if len(raw_files) > max_files:
        raise ExportRefused(f"{len(raw_files)} raw files match ({selection.describe()}), more than {max_files} in "
                            f"one document: choose a shorter date range, an instrument or a QC series")
    return raw_files, series


def selection_document(db: Database, selection: Selection, qc: QcConfig, instruments: Iterable[str],
                       max_files: int = MAX_FILES, now: datetime | None = None,
                       reads: SelectionReads | None = None) -> dict[str, Any]:
    reads = reads or RecordReads(db)
    raw_files, series = selected_raw_files(db, selection, qc, instruments, max_files, reads)
    metrics = reads.metrics_documents([doc["_id"] for doc in raw_files])
    if series is not None and series.settings_name is not None:
        metrics = [doc for doc in metrics if doc.get("settings_name") == series.settings_name]
    quantified = len({doc["raw_file"] for doc in metrics})
    try:
        return mzqc_document(_runs(db, raw_files, metrics),
                             f"QC metrics of {quantified} raw files ({selection.describe()}) from the AlphaKraken "
                             f"record", now)
    except ValueError as err:
        raise NothingToExport(f"none of the {len(raw_files)} raw files selected ({selection.describe()}) has "
                              f"metrics") from err
