"""The control-chart status of a QC series, judged as the `qc_series_in_control` check judges it.

`series_status` is the series' current state: its newest file judged on every metric against its segment's
baseline, with the same reads of the record (the newest resetting annotation, the baseline's first files, the
`cusum.window` files before it) and the same judgement (`judge_point`) as the check. `judged_points` is the same
judgement for every file of a series at once, from the points in memory, for a chart: each file against the
baseline and the files before it, as the check saw them when the file was judged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pymongo.database import Database

from kraken_core.config.qc import QcConfig, QcSeries
from kraken_core.qc.baseline import BaselineStats, QcPoint, Segment, baseline_points, baseline_stats, segment_of
from kraken_core.qc.judgement import MetricJudgement, judge_point
from kraken_core.record.annotations import latest_reset
from kraken_core.record.qc_series import SeriesKey, first_points, newest_point, points_before, series_points

DATED_BASELINE_LIMIT = 5000  # files of a baseline given by dates (a month of QC files is a few hundred)


def configured_series(qc: QcConfig, key: SeriesKey) -> QcSeries | None:
    """The configured series a key's points were judged in (same name and pattern), or None when it is gone."""
    return next((s for s in qc.series if s.name == key.series and s.raw_file_pattern == key.pattern), None)


def judgement_window(baseline: Sequence[QcPoint], recent: Sequence[QcPoint], target: QcPoint) -> list[QcPoint]:
    """The baseline and the files before the judged one, each once, oldest first, ending with the judged file
    (files acquired at the same time stay before it)."""
    by_id = {p.raw_file_id: p for p in [*baseline, *recent]}
    merged = sorted(by_id.values(), key=lambda p: (p.acquired_at, p.raw_file_id))
    return [p for p in merged if p.raw_file_id != target.raw_file_id] + [target]


def judge_recorded_point(db: Database, series: QcSeries, key: SeriesKey, segment: Segment,
                         target: QcPoint) -> list[MetricJudgement]:
    """Every metric of `target` against its segment's baseline, read from the series' points in the record."""
    limit = DATED_BASELINE_LIMIT if segment.end is not None else series.baseline.points
    recent = points_before(db, key, target.acquired_at, segment.start, series.cusum.window)
    baseline = baseline_among(recent, series.cusum.window, segment, limit, target)
    if baseline is None:
        baseline = first_points(db, key, segment.start, segment.end, limit)
    return judge_point(series, segment, judgement_window(baseline, recent, target), baseline)


def baseline_among(recent: Sequence[QcPoint], window: int, segment: Segment, limit: int,
                   target: QcPoint) -> list[QcPoint] | None:
    """The segment's baseline taken from the files before the judged one, when they hold it (else None).

    Fewer than `window` files before the judged one means they are every file of the segment up to it, oldest
    first: the baseline is then their first `limit` up to its end, unless it may still take files acquired after
    the judged one. A judgement of a file early in its segment so reads the series once, not twice."""
    if len(recent) >= window:
        return None
    held = [p for p in recent if segment.end is None or p.acquired_at <= segment.end]
    if len(held) >= limit or (segment.end is not None and segment.end <= target.acquired_at):
        return held[:limit]
    return None


def before_start_note(acquired_at: datetime, segment: Segment) -> str:
    return (f"acquired {acquired_at:%Y-%m-%d %H:%M}, before the baseline starts "
            f"({segment.start:%Y-%m-%d %H:%M})")


@dataclass(frozen=True)
class SeriesStatus:
    key: SeriesKey
    newest: QcPoint | None
    judgements: list[MetricJudgement] = field(default_factory=list)
    note: str = ""  # why the newest file is not judged

    @property
    def violations(self) -> list:
        return [v for j in self.judgements for v in j.violations]

    @property
    def state(self) -> str:
        """out_of_control (a rule is violated), in_control, baseline (still collecting it) or not_judged."""
        states = {j.state for j in self.judgements}
        for state in ("out_of_control", "in_control", "baseline"):
            if state in states:
                return state
        return "not_judged"

    @property
    def rules(self) -> list[str]:
        """`metric rule` of each violation, e.g. `precursors 1-3s`."""
        return [f"{v.metric} {v.rule}" for v in self.violations]

    def describe(self) -> str:
        if self.newest is None:
            return "no files in this series yet"
        head = f"{self.newest.raw_file_id} ({self.newest.acquired_at:%Y-%m-%d %H:%M})"
        if self.note:
            return f"{head}: {self.note}"
        shown = [j for j in self.judgements if j.state == "out_of_control"] or self.judgements
        return f"{head}: " + "; ".join(j.describe() for j in shown)


def series_status(db: Database, qc: QcConfig, key: SeriesKey) -> SeriesStatus:
    """The series' newest file judged as the check judges it (an unconfigured series: a note, nothing judged)."""
    newest = newest_point(db, key)
    series = configured_series(qc, key)
    if newest is None:
        return SeriesStatus(key, None)
    if series is None:
        return SeriesStatus(key, newest, note=f"series {key.series} with pattern {key.pattern!r} is no longer "
                                              f"configured (qc.series)")
    segment = segment_of(series.baseline, latest_reset(db, key.instrument_id, qc.baseline_reset_kinds,
                                                       newest.acquired_at))
    if segment.start is not None and newest.acquired_at < segment.start:
        return SeriesStatus(key, newest, note=before_start_note(newest.acquired_at, segment))
    return SeriesStatus(key, newest, judge_recorded_point(db, series, key, segment, newest))


@dataclass(frozen=True)
class JudgedPoint:
    point: QcPoint
    segment: Segment
    judgements: list[MetricJudgement]  # empty when not judged (note says why)
    note: str = ""

    def judgement(self, metric: str) -> MetricJudgement | None:
        return next((j for j in self.judgements if j.metric == metric), None)


@dataclass(frozen=True)
class SegmentBaseline:
    """One baseline of a chart: where its segment starts, its files, and the mean and SD of each metric."""

    segment: Segment
    raw_file_ids: frozenset[str]
    stats: dict[str, BaselineStats | None]
    first: datetime  # the segment's first and last file on the chart
    last: datetime


def _newest_reset(resets: Sequence[datetime], at: datetime) -> datetime | None:
    index = bisect_right(resets, at)
    return resets[index - 1] if index else None


def judged_points(series: QcSeries, points: Sequence[QcPoint], resets: Iterable[datetime]
                  ) -> tuple[list[JudgedPoint], list[SegmentBaseline]]:
    """Every point (oldest first) judged against its segment's baseline; and each segment's baseline.

    Segments come from `resets` (the times of the instrument's resetting annotations) as the check takes them:
    a file's segment starts at the newest reset at or before it (or at `baseline.start`)."""
    ordered = sorted(points, key=lambda p: (p.acquired_at, p.raw_file_id))
    resets = sorted(resets)
    judged: list[JudgedPoint] = []
    groups: dict[Segment, list[QcPoint]] = {}
    for point in ordered:
        segment = segment_of(series.baseline, _newest_reset(resets, point.acquired_at))
        if segment.start is not None and point.acquired_at < segment.start:
            judged.append(JudgedPoint(point, segment, [], before_start_note(point.acquired_at, segment)))
        else:
            groups.setdefault(segment, []).append(point)
    baselines = []
    window = series.cusum.window
    for segment, group in groups.items():
        # the baseline is a prefix of the group (its first files, or those up to the configured end)
        baseline = baseline_points(group, segment, series.baseline)[:DATED_BASELINE_LIMIT]
        times = [p.acquired_at for p in group]
        for point in group:
            end = bisect_right(times, point.acquired_at)  # the files acquired at or before it, as the check reads
            # judgement_window(baseline, recent, point) from slices of the sorted group: the same list, without
            # sorting the baseline and the window again for every file
            head = group[:len(baseline)]
            tail = group[max(len(baseline), end - window):end]
            window_points = [p for p in head + tail if p is not point] + [point]
            judgements = judge_point(series, segment, window_points, baseline)
            judged.append(JudgedPoint(point, segment, judgements))
        baselines.append(SegmentBaseline(segment, frozenset(p.raw_file_id for p in baseline),
                                         {m: baseline_stats(baseline, m) for m in series.metrics},
                                         group[0].acquired_at, group[-1].acquired_at))
    judged.sort(key=lambda j: (j.point.acquired_at, j.point.raw_file_id))
    return judged, baselines


def series_chart(db: Database, series: QcSeries, key: SeriesKey, resets: Iterable[datetime], metric: str,
                 limit: int) -> tuple[list[JudgedPoint], list[SegmentBaseline]]:
    """The series' newest `limit` files judged on `metric` (oldest first), and the baselines of their segments.

    Read with them: the `cusum.window` files before the first shown one and the first files of its segment,
    so the first files shown are judged on the same windows and baseline as the check read."""
    one = series.model_copy(update={"metrics": [metric]})
    resets = sorted(resets)
    wanted = limit + one.cusum.window
    loaded = series_points(db, key, wanted)
    if not loaded:
        return [], []
    head: list[QcPoint] = []
    if len(loaded) == wanted:  # older files exist: read the first files of the oldest loaded file's segment
        segment = segment_of(one.baseline, _newest_reset(resets, loaded[0].acquired_at))
        head = first_points(db, key, segment.start, segment.end,
                            DATED_BASELINE_LIMIT if segment.end is not None else one.baseline.points)
    points = {p.raw_file_id: p for p in [*head, *loaded]}
    judged, baselines = judged_points(one, list(points.values()), resets)
    shown = {p.raw_file_id for p in loaded[-limit:]}
    return [j for j in judged if j.point.raw_file_id in shown], baselines
