"""The control chart page: one QC series (instrument, series, settings version) and one of its metrics as a
Levey-Jennings chart, the series' current status as the `qc_series_in_control` check judges it, and the files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database

from kraken_core.config.qc import QcConfig, QcSeries
from kraken_core.qc.series_status import JudgedPoint, SegmentBaseline, SeriesStatus, configured_series, series_chart, series_status
from kraken_core.record.annotations import annotations_of
from kraken_core.record.qc_series import SeriesKey, series_keys
from kraken_ui_ext.companion.control_chart_figure import chart_figure
from kraken_ui_ext.companion.trends import X_AXES

CHART_FILES = 500  # the newest files of the series on the chart by default (a QC file every 4 h: 12 weeks)
MAX_CHART_FILES = 5000
TABLE_FILES = 30


@dataclass(frozen=True)
class ChartFilters:
    instrument: str = ""
    series: str = ""  # a SeriesKey's text
    metric: str = ""
    x_axis: str = "time"
    cusum: bool = False
    files: int = CHART_FILES

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ChartFilters:
        x_axis = params.get("x", "")
        try:
            files = min(max(int(params.get("files") or CHART_FILES), 10), MAX_CHART_FILES)
        except ValueError:
            files = CHART_FILES
        return cls(instrument=params.get("instrument", "").strip(), series=params.get("series", ""),
                   metric=params.get("metric", "").strip(), x_axis=x_axis if x_axis in X_AXES else X_AXES[0],
                   cusum=params.get("cusum") in ("1", "on", "true"), files=files)


def key_label(key: SeriesKey) -> str:
    return f"{key.series} ({key.settings_name} v{key.settings_version})"


@dataclass
class ControlChart:
    filters: ChartFilters
    instrument: str
    keys: list[SeriesKey]
    key: SeriesKey | None = None
    series: QcSeries | None = None
    metric: str = ""
    status: SeriesStatus | None = None
    points: list[JudgedPoint] = field(default_factory=list)
    baselines: list[SegmentBaseline] = field(default_factory=list)
    figure: dict[str, Any] | None = None
    note: str = ""

    @property
    def newest(self) -> list[JudgedPoint]:
        return list(reversed(self.points[-TABLE_FILES:]))


def build_control_chart(db: Database, qc: QcConfig, instruments: Sequence[str], filters: ChartFilters,
                        root: str) -> ControlChart:
    instrument = filters.instrument if filters.instrument in instruments else ""
    if not instrument:  # the first instrument that has a series
        instrument = next((i for i in instruments if series_keys(db, i)), instruments[0] if instruments else "")
    keys = series_keys(db, instrument) if instrument else []
    chart = ControlChart(filters, instrument, keys)
    if not qc.enabled:
        chart.note = "No QC series is configured (qc.series in the platform configuration); see docs/qc.md."
        return chart
    if not keys:
        chart.note = f"No QC files of a configured series on {instrument or 'any instrument'} yet."
        return chart
    chart.key = next((k for k in keys if k.text == filters.series), keys[0])
    chart.series = configured_series(qc, chart.key)
    chart.status = series_status(db, qc, chart.key)
    if chart.series is None:
        chart.note = chart.status.note
        return chart
    chart.metric = filters.metric if filters.metric in chart.series.metrics else chart.series.metrics[0]
    reset_kinds = [str(kind) for kind in qc.baseline_reset_kinds]
    annotations = annotations_of(db, instrument)
    resets = [a["occurred_at"] for a in annotations if a.get("kind") in reset_kinds]
    chart.points, chart.baselines = series_chart(db, chart.series, chart.key, resets, chart.metric, filters.files)
    if chart.points:
        first = chart.points[0].point.acquired_at
        shown = [a for a in annotations if a["occurred_at"] >= first]
        chart.figure = chart_figure(chart.points, chart.baselines, chart.metric, key_label(chart.key),
                                    shown, reset_kinds, filters, root)
    return chart
