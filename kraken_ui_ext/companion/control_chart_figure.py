"""A Levey-Jennings chart as a plotly.js figure: the series' files coloured by their judgement (violations marked
with the rule), each baseline's mean and 1/2/3 SD lines over its segment, the baseline's files shaded, the
instrument's annotations (a resetting one starts the next segment), and optionally the CUSUM sums below."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kraken_core.qc.judgement import MEANING, MetricJudgement
from kraken_core.qc.series_status import JudgedPoint, SegmentBaseline
from kraken_ui_ext.companion.annotation_markers import annotation_markers, sequence_position
from kraken_ui_ext.companion.plot_text import hover_number, plot_text, plot_time, raw_file_url

if TYPE_CHECKING:
    from kraken_ui_ext.companion.control_chart import ChartFilters

STATES = {  # judgement state: legend name, colour, marker symbol, size
    "baseline": ("baseline", "#8d8d8d", "circle", 7),
    "in_control": ("in control", "#1f77b4", "circle", 7),
    "out_of_control": ("out of control", "#d62728", "x", 12),
    "not_judged": ("not judged", "#bdbdbd", "circle-open", 7),
}
LIMITS = ((0, "mean", "#2e7d32", "solid"), (1, "1 SD", "#9e9e9e", "dot"), (2, "2 SD", "#ef6c00", "dash"),
          (3, "3 SD", "#c62828", "dash"))
HOVER = ("%{customdata[1]}<br>%{customdata[3]}<br>%{customdata[4]}<br>settings %{customdata[5]}"
         "<br>%{customdata[2]}<extra></extra>")


def rules_text(judgement: MetricJudgement) -> str:
    return ", ".join(f"{v.rule} ({MEANING.get(v.rule, 'CUSUM drift')})" for v in judgement.violations)


def state_text(point: JudgedPoint, judgement: MetricJudgement | None) -> str:
    if judgement is None:
        return f"not judged: {point.note}"
    if judgement.state == "out_of_control":
        return f"out of control: {rules_text(judgement)}"
    if judgement.state == "not_judged":
        return f"not judged: {judgement.note}"
    return STATES[judgement.state][0]


def _point_traces(points: Sequence[JudgedPoint], xs: list[Any], metric: str, settings: str, root: str) -> list[dict]:
    by_state: dict[str, list[int]] = {}
    for i, point in enumerate(points):
        judgement = point.judgement(metric)
        by_state.setdefault(judgement.state if judgement else "not_judged", []).append(i)
    traces = []
    for state, (name, colour, symbol, size) in STATES.items():
        indexes = [i for i in by_state.get(state, []) if metric in points[i].point.values]
        if not indexes:
            continue
        customdata = []
        for i in indexes:
            point, judgement = points[i], points[i].judgement(metric)
            z = f" ({judgement.z:+.2f} SD)" if judgement is not None and judgement.z is not None else ""
            customdata.append([raw_file_url(root, point.point.raw_file_id), plot_text(point.point.raw_file_id),
                               f"{point.point.acquired_at:%Y-%m-%d %H:%M} UTC",
                               f"{plot_text(metric)} {hover_number(point.point.values[metric])}{z}",
                               plot_text(state_text(point, judgement)), plot_text(settings)])
        trace = {"type": "scatter", "mode": "markers", "name": name, "x": [xs[i] for i in indexes],
                 "y": [points[i].point.values[metric] for i in indexes], "customdata": customdata,
                 "hovertemplate": HOVER, "marker": {"color": colour, "symbol": symbol, "size": size}}
        if state == "out_of_control":
            trace["mode"] = "markers+text"
            trace["text"] = [plot_text(", ".join(v.rule for v in points[i].judgement(metric).violations))
                             for i in indexes]
            trace["textposition"] = "top center"
            trace["textfont"] = {"color": colour, "size": 11}
        traces.append(trace)
    return traces


def _limit_traces(points: Sequence[JudgedPoint], xs: list[Any], baselines: Sequence[SegmentBaseline],
                  metric: str) -> tuple[list[dict], list[dict]]:
    """Mean and ±1/2/3 SD lines of each segment's baseline over the segment's files; shading over its baseline."""
    traces, shapes = [], []
    for n, baseline in enumerate(baselines):
        stats = baseline.stats.get(metric)
        where = [i for i, p in enumerate(points) if p.segment == baseline.segment]
        if stats is None or stats.sd == 0 or not where:
            continue
        x0, x1 = xs[where[0]], xs[where[-1]]
        for k, name, colour, dash in LIMITS:
            for sign in ((1,) if k == 0 else (1, -1)):
                y = stats.mean + sign * k * stats.sd
                label = "mean" if k == 0 else f"{'+' if sign > 0 else '-'}{name}"
                traces.append({"type": "scatter", "mode": "lines", "x": [x0, x1], "y": [y, y], "name": name,
                               "legendgroup": name, "showlegend": n == 0 and sign == 1,
                               "line": {"color": colour, "dash": dash, "width": 1.5 if k == 0 else 1},
                               "hovertemplate": f"{label} %{{y:,.4~g}}<extra></extra>"})
        inside = [i for i in where if points[i].point.raw_file_id in baseline.raw_file_ids]
        if inside:
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": xs[inside[0]], "x1": xs[inside[-1]],
                           "y0": 0, "y1": 1, "fillcolor": "rgba(120,120,120,0.10)", "line": {"width": 0},
                           "layer": "below", "name": "baseline files"})
    return traces, shapes


def _cusum_traces(points: Sequence[JudgedPoint], xs: list[Any], metric: str) -> list[dict]:
    upper, lower, x, h, segment = [], [], [], None, None
    for i, point in enumerate(points):
        judgement = point.judgement(metric)
        if judgement is None or judgement.cusum is None:
            continue
        if segment is not None and point.segment != segment:  # the sums start again: no line across the reset
            x.append(None)
            upper.append(None)
            lower.append(None)
        segment = point.segment
        x.append(xs[i])
        upper.append(judgement.cusum.upper)
        lower.append(judgement.cusum.lower)
        h = judgement.cusum.h
    if not x:
        return []
    common = {"type": "scatter", "mode": "lines+markers", "xaxis": "x", "yaxis": "y2", "marker": {"size": 4}}
    return [{**common, "name": "CUSUM C+", "x": x, "y": upper, "line": {"color": "#6a1b9a"}},
            {**common, "name": "CUSUM C-", "x": x, "y": lower, "line": {"color": "#00838f"}},
            {"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y2", "name": f"h {h:g}",
             "x": [x[0], x[-1]], "y": [h, h], "line": {"color": "#c62828", "dash": "dash", "width": 1}}]


def chart_figure(points: Sequence[JudgedPoint], baselines: Sequence[SegmentBaseline], metric: str, settings: str,
                 annotations: Iterable[Mapping[str, Any]], reset_kinds: Iterable[str], filters: ChartFilters,
                 root: str) -> dict[str, Any]:
    sequence = filters.x_axis == "sequence"
    xs: list[Any] = list(range(len(points))) if sequence else [plot_time(p.point.acquired_at) for p in points]
    limits, shapes = _limit_traces(points, xs, baselines, metric)
    data = [*limits, *_point_traces(points, xs, metric, settings, root)]
    x_of = sequence_position([p.point.acquired_at for p in points]) if sequence else plot_time
    markers, labels = annotation_markers(annotations, reset_kinds, x_of)
    layout: dict[str, Any] = {
        "title": {"text": plot_text(f"{settings}: {metric}"), "x": 0.01, "font": {"size": 14}},
        "height": 460, "margin": {"l": 80, "r": 20, "t": 50, "b": 45}, "hovermode": "closest",
        "xaxis": {"title": {"text": "acquisition order"}} if sequence else
                 {"type": "date", "title": {"text": "acquired (UTC)"}},
        "yaxis": {"title": {"text": plot_text(metric)}},
        "shapes": [*shapes, *markers], "annotations": labels, "legend": {"orientation": "h", "y": -0.15},
    }
    if filters.cusum:
        cusum = _cusum_traces(points, xs, metric)
        data.extend(cusum)
        if cusum:
            layout["height"] = 600
            layout["yaxis"]["domain"] = [0.34, 1]
            layout["yaxis2"] = {"domain": [0, 0.26], "title": {"text": "CUSUM (SD)"}, "anchor": "x"}
            layout["xaxis"]["anchor"] = "y2"
    return {"data": data, "layout": layout}
