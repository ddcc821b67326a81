"""The overview of recent raw files: filters (AlphaKraken's filter language), sorting, paging, lag and ETA, the
chosen metric columns, CSV rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pymongo.database import Database

from kraken_core.quanting.metric_names import alphakraken_name
from kraken_core.record.timestamps import record_datetime
from kraken_ui_ext.filter_language import Filter, normalise, parse_filter_leniently
from kraken_ui_ext.key_metrics import KEY_METRICS, METRICS_BY_NAME, TREND_METRICS, KeyMetric
from kraken_ui_ext.companion.recent_record import RecentRecord
from kraken_ui_ext.companion.record_views import (
    format_duration,
    median_lags,
    processing_lag,
    status_matches,
)

PROJECTION = {"_id": 1, "instrument_id": 1, "project_id": 1, "status": 1, "status_details": 1, "size": 1,
              "created_at": 1, "updated_at_": 1, "backup_status": 1}
RECORD_SORTS = {"raw_file": "_id", "instrument": "instrument_id", "project": "project_id", "status": "status",
                "size": "size", "created_at": "created_at", "lag": "lag_s"}
METRIC_SORTS = set(METRICS_BY_NAME)
DEFAULT_COLUMNS = tuple(metric.name for metric in KEY_METRICS)
PAGE_SIZE = 200
MAX_ROWS = 50_000


def _float(raw: str | None, default: float, low: float, high: float) -> float:
    try:
        return min(max(float(raw), low), high) if raw not in (None, "") else default
    except ValueError:
        return default


def metric_columns(raw: str | None, default: tuple[str, ...] = DEFAULT_COLUMNS) -> tuple[str, ...]:
    """The metric columns named in a `cols` parameter (comma-separated, any name of a metric), in that order;
    `default` when the parameter is absent, none when it is empty; unknown names are left out."""
    if raw is None:
        return default
    names = (alphakraken_name(name.strip()) for name in raw.split(","))
    return tuple(dict.fromkeys(name for name in names if name in METRICS_BY_NAME))


def metric_groups() -> list[tuple[str, list[KeyMetric]]]:
    """Every metric the overview can show, grouped by the tool that gives it, for the column picker."""
    groups: dict[str, list[KeyMetric]] = {}
    for metric in TREND_METRICS:
        groups.setdefault(metric.tool or "Several tools", []).append(metric)
    return list(groups.items())


def _picked_columns(params: Mapping[str, str], default: tuple[str, ...]) -> tuple[str, ...]:
    """`cols=a,b` (links), or the picker's ticked `col` boxes (`picker=1`: none ticked shows no metric)."""
    if "cols" not in params and params.get("picker") and hasattr(params, "getlist"):
        return metric_columns(",".join(params.getlist("col")))
    return metric_columns(params.get("cols"), default)


@dataclass(frozen=True)
class OverviewFilters:
    instrument: str = ""
    project: str = ""
    max_age_days: float = 2.0
    status: str = ""
    text: str = ""  # AlphaKraken's filter language (kraken_ui_ext/filter_language.py)
    sort: str = "created_at"
    descending: bool = True
    page: int = 1
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    default_columns: tuple[str, ...] = DEFAULT_COLUMNS  # the configured choice, left out of the URL

    @classmethod
    def from_query(cls, params: Mapping[str, str], default_columns: tuple[str, ...] = DEFAULT_COLUMNS
                   ) -> OverviewFilters:
        """`filter` and `max_age` as in AlphaKraken's URLs; `q` (this app's older search box) reads as a filter;
        `default_columns`: the metric columns when the URL names none (`companion.overview_columns`)."""
        sort = params.get("sort", "created_at")
        sort = sort if sort in RECORD_SORTS else alphakraken_name(sort)  # an older metric name sorts the same
        return cls(
            instrument=params.get("instrument", "").strip(),
            project=params.get("project", "").strip(),
            max_age_days=_float(params.get("age", params.get("max_age")), 2.0, 0.01, 3650),
            status=params.get("status", "").strip(),
            text=normalise(params.get("filter") or params.get("q") or "")[:2000],
            sort=sort if sort in RECORD_SORTS or sort in METRIC_SORTS else "created_at",
            descending=params.get("dir", "desc") != "asc",
            page=int(_float(params.get("page"), 1, 1, 10_000)),
            columns=_picked_columns(params, default_columns),
            default_columns=default_columns,
        )

    @property
    def metrics(self) -> list[KeyMetric]:
        return [METRICS_BY_NAME[name] for name in self.columns]

    def query_string(self, **changes: Any) -> str:
        """The URL parameters of this view (with `changes`): opening them shows the same rows and columns."""
        f = replace(self, **changes)
        params = {"instrument": f.instrument, "project": f.project, "age": f"{f.max_age_days:g}", "status": f.status,
                  "filter": f.text, "sort": f.sort, "dir": "desc" if f.descending else "asc", "page": str(f.page)}
        params = {k: v for k, v in params.items() if v not in ("", "1") or k == "age"}
        if f.columns != f.default_columns:
            params["cols"] = ",".join(f.columns)
        return urlencode(params)


@dataclass
class OverviewRow:
    doc: dict[str, Any]
    lag: timedelta | None = None
    eta: datetime | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)
    settings: str | None = None
    metrics_doc: dict[str, Any] | None = None

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
        return f"ETA {self.eta:%H:%M} UTC (in {format_duration(remaining)})"


@dataclass
class Overview:
    filters: OverviewFilters
    rows: list[OverviewRow]
    page_rows: list[OverviewRow]
    truncated: bool
    filter_problems: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.rows) // PAGE_SIZE))


def _find_recent(recent: RecentRecord, filters: OverviewFilters, now: datetime, limit: int) -> list[dict[str, Any]]:
    return recent.acquired_since(now - timedelta(days=filters.max_age_days), PROJECTION,
                                 instrument=filters.instrument, project=filters.project, limit=limit + 1)


def _keep(doc: dict[str, Any], filters: OverviewFilters, on_record: Filter) -> bool:
    if filters.project and doc.get("project_id") != filters.project:
        return False
    return status_matches(doc.get("status"), filters.status) and on_record.matches(doc)


def _attach_metrics(recent: RecentRecord, rows: list[OverviewRow]) -> None:
    """Every metric of the rows, from the newest `metrics` document of each that has it."""
    oldest = min((row.acquired for row in rows if row.acquired is not None), default=None)
    fields = [field for m in TREND_METRICS for field in m.fields]
    found = recent.latest_metrics([row.raw_file_id for row in rows], fields, since=oldest, refresh=False)
    for row in rows:
        doc = found.get(row.raw_file_id)
        row.metrics_doc = doc or {}
        if doc is not None:
            row.metrics = {m.name: m.value(doc) for m in TREND_METRICS}
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
                   max_rows: int = MAX_ROWS, recent: RecentRecord | None = None) -> Overview:
    """Filtered, sorted rows; metrics are joined for the shown page only unless sorting or the filter needs them.

    The filter is matched here on the raw files of the time range (its terms on the record first, then those on
    metrics, lag or times): beside the range a `$regex` makes the test server scan the collection
    (kraken_ui_ext/filter_language.py). A filter term that cannot be read is left out and named in
    `filter_problems`.
    """
    recent = recent or RecentRecord.none_held(db)
    matching, problems = parse_filter_leniently(filters.text)
    docs = _find_recent(recent, filters, now, max_rows)
    truncated = len(docs) > max_rows
    docs = docs[:max_rows]
    lags = median_lags(docs)  # of every raw file in the range: ETAs of a filtered view still have a typical lag
    on_record = matching.record_part
    rows = []
    for doc in docs:
        if not _keep(doc, filters, on_record):
            continue
        row = OverviewRow(doc, lag=processing_lag(doc))
        if row.lag is None and status_matches(doc.get("status"), "unfinished") and row.acquired is not None:
            typical = lags.get(doc.get("instrument_id")) or lags.get(None)
            row.eta = row.acquired + typical if typical is not None else None
        rows.append(row)
    sort_field = RECORD_SORTS.get(filters.sort, filters.sort)
    rest = matching.residual
    every_row_metrics = filters.sort in METRIC_SORTS or all_metrics or rest.needs_metrics
    if every_row_metrics:
        _attach_metrics(recent, rows)
    if rest:
        rows = [row for row in rows if rest.matches(row.doc, row.metrics_doc)]
    key = _sort_key(sort_field)
    present = [r for r in rows if not key(r)[0]]
    present.sort(key=key, reverse=filters.descending)
    rows = present + [r for r in rows if key(r)[0]]  # rows without a value go last in either direction
    start = (filters.page - 1) * PAGE_SIZE
    page_rows = rows[start:start + PAGE_SIZE]
    if not every_row_metrics:
        _attach_metrics(recent, page_rows)
    return Overview(filters, rows, page_rows, truncated, problems)
