"""The overview of recent raw files: filters, sorting, paging, lag and ETA, key metrics, CSV rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pymongo.database import Database

from kraken_core.quanting.metric_names import alphakraken_name
from kraken_core.record.record_reads import acquired_since
from kraken_core.record.timestamps import record_datetime
from kraken_ui_ext.key_metrics import KEY_METRICS
from kraken_ui_ext.companion.record_views import (
    format_duration,
    latest_metrics,
    median_lags,
    processing_lag,
    status_matches,
)

PROJECTION = {"_id": 1, "instrument_id": 1, "project_id": 1, "status": 1, "status_details": 1, "size": 1,
              "created_at": 1, "updated_at_": 1, "backup_status": 1}
RECORD_SORTS = {"raw_file": "_id", "instrument": "instrument_id", "project": "project_id", "status": "status",
                "size": "size", "created_at": "created_at", "lag": "lag_s"}
METRIC_SORTS = {metric.name for metric in KEY_METRICS}
PAGE_SIZE = 200
MAX_ROWS = 50_000


def _float(raw: str | None, default: float, low: float, high: float) -> float:
    try:
        return min(max(float(raw), low), high) if raw not in (None, "") else default
    except ValueError:
        return default


@dataclass(frozen=True)
class OverviewFilters:
    instrument: str = ""
    project: str = ""
    max_age_days: float = 2.0
    status: str = ""
    text: str = ""
    sort: str = "created_at"
    descending: bool = True
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> OverviewFilters:
        sort = params.get("sort", "created_at")
        sort = sort if sort in RECORD_SORTS else alphakraken_name(sort)  # an older metric name sorts the same
        return cls(
            instrument=params.get("instrument", "").strip(),
            project=params.get("project", "").strip(),
            max_age_days=_float(params.get("age"), 2.0, 0.01, 3650),
            status=params.get("status", "").strip(),
            text=params.get("q", "").strip()[:200],
            sort=sort if sort in RECORD_SORTS or sort in METRIC_SORTS else "created_at",
            descending=params.get("dir", "desc") != "asc",
            page=int(_float(params.get("page"), 1, 1, 10_000)),
        )

    def query_string(self, **changes: Any) -> str:
        f = replace(self, **changes)
        params = {"instrument": f.instrument, "project": f.project, "age": f"{f.max_age_days:g}", "status": f.status,
                  "q": f.text, "sort": f.sort, "dir": "desc" if f.descending else "asc", "page": str(f.page)}
        return urlencode({k: v for k, v in params.items() if v not in ("", "1") or k == "age"})


@dataclass
class OverviewRow:
    doc: dict[str, Any]
    lag: timedelta | None = None
    eta: datetime | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)
    settings: str | None = None

    @property
    def raw_file_id(self) -> str:
        return self.doc["_id"]

    @property
    def acquired(self) -> datetime | None:
        return record_datetime(self.doc.get("created_at"))

    def lag_text(self, now: datetime) -> str:
        if self.lag is not None:
            return format_duration(self.lag)
        if self.eta is None:
            return ""
        remaining = self.eta - now
        if remaining.total_seconds() < 0:
            return f"overdue by {format_duration(remaining)}"
        return f"ETA {self.eta:%H:%M} (in {format_duration(remaining)})"


@dataclass
class Overview:
    filters: OverviewFilters
    rows: list[OverviewRow]
    page_rows: list[OverviewRow]
    truncated: bool

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.rows) // PAGE_SIZE))


def _find_recent(db: Database, filters: OverviewFilters, now: datetime, limit: int) -> list[dict[str, Any]]:
    return acquired_since(db, now - timedelta(days=filters.max_age_days), PROJECTION, instrument=filters.instrument,
                          project=filters.project, limit=limit + 1)


def _keep(doc: dict[str, Any], filters: OverviewFilters, needle: str) -> bool:
    if filters.project and doc.get("project_id") != filters.project:
        return False
    if not status_matches(doc.get("status"), filters.status):
        return False
    if needle:
        haystack = f"{doc['_id']} {doc.get('project_id') or ''} {doc.get('status_details') or ''}".lower()
        return needle in haystack
    return True


def _attach_metrics(db: Database, rows: list[OverviewRow]) -> None:
    oldest = min((row.acquired for row in rows if row.acquired is not None), default=None)
    fields = [field for m in KEY_METRICS for field in m.fields]
    found = latest_metrics(db, [row.raw_file_id for row in rows], fields, since=oldest)
    for row in rows:
        doc = found.get(row.raw_file_id)
        if doc is not None:
            row.metrics = {m.name: m.value(doc) for m in KEY_METRICS}
            if doc.get("settings_name"):
                row.settings = f"{doc['settings_name']} v{doc.get('settings_version', '?')}"


def _sort_key(name: str):
    def key(row: OverviewRow):
        if name in METRIC_SORTS:
            value = row.metrics.get(name)
        elif name == "lag_s":
            value = row.lag.total_seconds() if row.lag is not None else None
        else:
            value = row.doc.get(name)
        return (value is None, value if value is not None else 0)

    return key


def build_overview(db: Database, filters: OverviewFilters, now: datetime, *, all_metrics: bool = False,
                   max_rows: int = MAX_ROWS) -> Overview:
    """Filtered, sorted rows; metrics are joined for the shown page only unless sorting needs them all."""
    docs = _find_recent(db, filters, now, max_rows)
    truncated = len(docs) > max_rows
    docs = docs[:max_rows]
    lags = median_lags(docs)
    needle = filters.text.lower()
    rows = []
    for doc in docs:
        if not _keep(doc, filters, needle):
            continue
        row = OverviewRow(doc, lag=processing_lag(doc))
        if row.lag is None and status_matches(doc.get("status"), "unfinished") and row.acquired is not None:
            typical = lags.get(doc.get("instrument_id")) or lags.get(None)
            row.eta = row.acquired + typical if typical is not None else None
        rows.append(row)
    sort_field = RECORD_SORTS.get(filters.sort, filters.sort)
    if filters.sort in METRIC_SORTS or all_metrics:
        _attach_metrics(db, rows)
    key = _sort_key(sort_field)
    present = [r for r in rows if not key(r)[0]]
    present.sort(key=key, reverse=filters.descending)
    rows = present + [r for r in rows if key(r)[0]]  # rows without a value go last in either direction
    start = (filters.page - 1) * PAGE_SIZE
    page_rows = rows[start:start + PAGE_SIZE]
    if not (filters.sort in METRIC_SORTS or all_metrics):
        _attach_metrics(db, page_rows)
    return Overview(filters, rows, page_rows, truncated)
