"""The trends page's panels as plotly.js figures: one trace per colour, hover with the raw file, value, status and
settings, a click target per point (its companion page), the trend line, the baseline band and the instrument's
maintenance annotations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo.database import Database

from kraken_core.record.annotations import annotations_of

from kraken_ui_ext.companion.annotation_markers import annotation_markers, sequence_position
from kraken_ui_ext.companion.plot_text import plot_text, plot_time, raw_file_url
from kraken_ui_ext.companion.trends import TrendFilters, TrendPanel, Trends, rolling_medians

# above this many points in a panel WebGL draws them (SVG slows the browser); hover and click work the same
WEBGL_POINTS = 5000
HOVER = ("%{customdata[1]}<br>%{y:,.4~g} %{meta}<br>%{customdata[2]}<br>status %{customdata[3]}"
         "<br>settings %{customdata[4]}<br>project %{customdata[5]}<extra>%{fullData.name}</extra>")


def _x_values(panel: TrendPanel, x_axis: str, stamps: list[str]) -> list[Any]:
    return list(range(len(panel.rows))) if x_axis == "sequence" else stamps


def _trend_trace(panel: TrendPanel, filters: TrendFilters, xs: list[Any]) -> dict | None:
    if filters.trend == "none" or len(panel.rows) < 2:
        return None
    if filters.trend == "rolling":
        x, y, name = xs, rolling_medians([r.value for r in panel.rows]), "rolling median"
    elif filters.x_axis == "sequence":  # each day's median at the position of the day's last file
        last_of_day = {r.acquired.date(): i for i, r in enumerate(panel.rows)}
        medians = {day.date(): value for day, value in panel.median_line}
        x = [last_of_day[day] for day in sorted(last_of_day)]
        y = [medians[day] for day in sorted(last_of_day)]
        name = "daily median"
    else:
        x, y, name = [plot_time(day) for day, _ in panel.median_line], [v for _, v in panel.median_line], "daily median"
    return {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y, "hoverinfo": "skip",
            "line": {"color": "#222", "width": 2}, "meta": "trend"}


class _MemoText(dict):
    def __call__(self, value: object) -> str:
        if value not in self:
            self[value] = plot_text(value)
        return self[value]


def panel_figure(panel: TrendPanel, trends: Trends, root: str, annotations: Iterable[Mapping[str, Any]],
                 reset_kinds: Iterable[str], unit: str) -> dict[str, Any]:
    filters = trends.filters
    stamps = [plot_time(r.acquired) for r in panel.rows]  # "YYYY-MM-DD HH:MM:SS", UTC
    xs = _x_values(panel, filters.x_axis, stamps)
    text = _MemoText()  # statuses, settings and projects repeat: each is escaped once
    by_colour: dict[str, list[int]] = {}
    for i, row in enumerate(panel.rows):
        by_colour.setdefault(row.column(filters.colour_by), []).append(i)
    kind = "scattergl" if len(panel.rows) > WEBGL_POINTS else "scatter"
    data: list[dict[str, Any]] = []
    for key, indexes in sorted(by_colour.items()):
        rows = [panel.rows[i] for i in indexes]
        data.append({
            "type": kind, "mode": "markers", "name": plot_text(key), "x": [xs[i] for i in indexes],
            "y": [r.value for r in rows], "meta": plot_text(unit),
            "customdata": [[raw_file_url(root, r.raw_file_id), plot_text(r.raw_file_id), f"{stamps[i][:16]} UTC",
                            text(r.status), text(r.settings or "-"), text(r.project or "-")]
                           for i, r in zip(indexes, rows)],
            "hovertemplate": HOVER, "marker": {"color": trends.colours.get(key, "#555"), "size": 6},
        })
    trend = _trend_trace(panel, filters, xs)
    if trend:
        data.append(trend)
    x_of = (sequence_position([r.acquired for r in panel.rows]) if filters.x_axis == "sequence" else plot_time)
    shapes, labels = annotation_markers(annotations, reset_kinds, x_of)
    band = trends.bands.get(panel.instrument)
    if band:
        shapes.insert(0, {"type": "rect", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": band[0], "y1": band[1],
                          "fillcolor": "rgba(44,160,44,0.12)", "line": {"width": 0}, "layer": "below",
                          "name": "baseline"})
    label = filters.metric.label + (f" ({filters.metric.unit})" if filters.metric.unit else "")
    layout = {
        "title": {"text": plot_text(f"{panel.instrument}: {label}, {len(panel.rows)} raw files"), "x": 0.01,
                  "font": {"size": 14}},
        "height": 320, "margin": {"l": 70, "r": 20, "t": 50, "b": 45}, "hovermode": "closest",
        "xaxis": ({"title": {"text": "acquisition order"}} if filters.x_axis == "sequence" else
                  {"type": "date", "title": {"text": "acquired (UTC)"}}),
        "yaxis": {"title": {"text": plot_text(label)}},
        "shapes": shapes, "annotations": labels, "legend": {"orientation": "h", "y": -0.2},
        "showlegend": True,
    }
    return {"data": data, "layout": layout}



def trend_figures(db: Database, trends: Trends, root: str, reset_kinds: Iterable[str], since: datetime) -> list[dict]:
    """One figure per panel, with the panel instrument's annotations since `since`."""
    unit = trends.filters.metric.unit
    kinds = [str(kind) for kind in reset_kinds]
    return [panel_figure(panel, trends, root, annotations_of(db, panel.instrument, since=since), kinds, unit)
            for panel in trends.panels]
