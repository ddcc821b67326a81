"""Metric trends per instrument: points over time (or in acquisition order), a trend line (daily or rolling
median) and an optional baseline band; each point keeps the columns it can be coloured by."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pymongo.database import Database

from kraken_core.quanting.metric_names import alphakraken_name
from kraken_core.record.record_reads import instruments_of
from kraken_core.record.timestamps import record_datetime
from kraken_ui_ext.companion.recent_record import RecentRecord
from kraken_ui_ext.companion.svg_plot import MAX_TITLED_POINTS, Point, colour_map, scatter_svg
from kraken_ui_ext.key_metrics import METRICS_BY_NAME, TREND_METRICS, KeyMetric

MAX_POINTS = 40_000
DEFAULT_DAYS = 14.0
COLOUR_COLUMNS = ("instrument", "project", "settings", "status")
X_AXES = ("time", "sequence")
ROLLING_FILES = 15
TREND_LINES = {"daily": "daily median", "rolling": f"rolling median of {ROLLING_FILES} files", "none": "none"}


@dataclass(frozen=True)
class TrendRow:
    """One raw file on a trend: its value and the columns it can be coloured by."""

    raw_file_id: str
    acquired: datetime
    value: float
    instrument: str
    project: str
    settings: str
    status: str

    def column(self, name: str) -> str:
        return getattr(self, name) or "?"


@dataclass(frozen=True)
class TrendFilters:
    metric: KeyMetric = TREND_METRICS[0]
    days: float = DEFAULT_DAYS
    instrument: str = ""
    project: str = ""
    colour_by: str = "instrument"
    baseline: tuple[str, ...] = ()
    x_axis: str = "time"
    trend: str = "daily"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> TrendFilters:
        try:
            days = min(max(float(params.get("days") or DEFAULT_DAYS), 0.1), 3650)
        except ValueError:
            days = DEFAULT_DAYS
        baseline = tuple(part.strip() for part in params.get("baseline", "").replace("\n", ",").split(",")
                         if part.strip())[:500]
        return cls(
            metric=METRICS_BY_NAME.get(alphakraken_name(params.get("metric", "")), TREND_METRICS[0]),
            days=days,
            instrument=params.get("instrument", "").strip(),
            project=params.get("project", "").strip(),
            colour_by=_one_of(params.get("colour_by"), COLOUR_COLUMNS),
            baseline=baseline,
            x_axis=_one_of(params.get("x"), X_AXES),
            trend=_one_of(params.get("trend"), tuple(TREND_LINES)),
        )


def _one_of(value: str | None, choices: tuple[str, ...]) -> str:
    """The chosen value when it is one of `choices`, else the first (the default)."""
    return value if value in choices else choices[0]


@dataclass
class TrendPanel:
    instrument: str
    points: list[Point]
    median_line: list[tuple[datetime, float]]
    svg: str = ""
    rows: list[TrendRow] = field(default_factory=list)  # oldest first


@dataclass
class Trends:
    filters: TrendFilters
    panels: list[TrendPanel]
    colours: dict[str, str]
    bands: dict[str, tuple[float, float]]
    baseline_found: list[str] = field(default_factory=list)
    truncated: bool = False


def daily_medians(points: list[Point]) -> list[tuple[datetime, float]]:
    by_day: dict[datetime, list[float]] = {}
    for p in points:
        by_day.setdefault(p.x.replace(hour=12, minute=0, second=0, microsecond=0), []).append(p.y)
    return [(day, statistics.median(values)) for day, values in sorted(by_day.items())]


def rolling_medians(values: list[float], files: int = ROLLING_FILES) -> list[float]:
    """The median of each value and the files before it (up to `files`), in acquisition order."""
    return [statistics.median(values[max(0, i + 1 - files):i + 1]) for i in range(len(values))]


def baseline_band(values: list[float]) -> tuple[float, float] | None:
    """Mean ± 2 standard deviations of the baseline raw files (their range when fewer than three)."""
    if not values:
        return None
    if len(values) < 3:
        return min(values), max(values)
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    return mean - 2 * sd, mean + 2 * sd


def _baseline_bands(db: Database, recent: RecentRecord, raw_file_ids: tuple[str, ...], metric: KeyMetric
                    ) -> tuple[dict, list[str]]:
    """One band per instrument from the baseline raw files acquired on it; other instruments get none."""
    if not raw_file_ids:
        return {}, []
    metrics = recent.latest_metrics(list(raw_file_ids), metric.fields, refresh=False)
    instruments = instruments_of(db, metrics)
    values: dict[str, list[float]] = {}
    for raw_file_id, doc in metrics.items():
        value = metric.value(doc)
        if value is not None and instruments.get(raw_file_id):
            values.setdefault(instruments[raw_file_id], []).append(value)
    bands = {instrument: band for instrument, found in values.items() if (band := baseline_band(found))}
    return bands, sorted(r for r in metrics if instruments.get(r) in bands)


def build_trends(db: Database, filters: TrendFilters, now: datetime, recent: RecentRecord | None = None) -> Trends:
    recent = recent or RecentRecord.none_held(db)
    since = now - timedelta(days=filters.days)
    docs = recent.acquired_since(since, {"_id": 1, "instrument_id": 1, "project_id": 1, "created_at": 1, "status": 1},
                                 instrument=filters.instrument, project=filters.project, limit=MAX_POINTS + 1)
    truncated = len(docs) > MAX_POINTS
    docs = [d for d in docs[:MAX_POINTS] if not filters.project or d.get("project_id") == filters.project]
    metric = filters.metric
    oldest = min((t for d in docs if (t := record_datetime(d.get("created_at")))), default=None)
    metrics = recent.latest_metrics([d["_id"] for d in docs], metric.fields, since=oldest, refresh=False)
    per_instrument: dict[str, list[TrendRow]] = {}
    for doc in docs:
        metrics_doc = metrics.get(doc["_id"]) or {}
        value = metric.value(metrics_doc)
        acquired = record_datetime(doc.get("created_at"))
        if value is None or acquired is None:
            continue
        settings = (f"{metrics_doc['settings_name']} v{metrics_doc.get('settings_version')}"
                    if metrics_doc.get("settings_name") else "")
        row = TrendRow(doc["_id"], acquired, value, doc.get("instrument_id") or "?", doc.get("project_id") or "",
                       settings, doc.get("status") or "")
        per_instrument.setdefault(row.instrument, []).append(row)
    bands, baseline_found = _baseline_bands(db, recent, filters.baseline, metric)
    colours = colour_map([row.column(filters.colour_by) for rows in per_instrument.values() for row in rows])
    label = f"{filters.metric.label}" + (f" ({filters.metric.unit})" if filters.metric.unit else "")
    panels = []
    for instrument, rows in sorted(per_instrument.items()):
        rows.sort(key=lambda r: (r.acquired, r.raw_file_id))
        titled = len(rows) <= MAX_TITLED_POINTS  # the fallback plot names each point only when it draws few
        points = [Point(r.acquired, r.value, r.column(filters.colour_by),
                        f"{r.raw_file_id} ({r.project}): {r.value:g}" if titled else "") for r in rows]
        panel = TrendPanel(instrument, points, daily_medians(points), rows=rows)
        panel.svg = scatter_svg(points, colours, title=f"{instrument}: {label}, {len(points)} raw files",
                                y_label=label, x_range=(since, now), median_line=panel.median_line, band=bands.get(instrument))
        panels.append(panel)
    return Trends(filters, panels, colours, bands, baseline_found, truncated)
