"""The verdict of a QC series on one file: per metric, in control, out of control (with the violations), part of
the baseline, or not judged (and why).

Severity: 1-3s and R-4s are Westgard's rejection rules for random error (ERROR); 2-2s, 4-1s and 10-x point to a
systematic shift and CUSUM to a slow drift, which call for a look at the instrument before the next samples
rather than stopping it (WARN).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from kraken_core.config.qc import QcSeries
from kraken_core.qc.baseline import BaselineStats, QcPoint, Segment, baseline_points, baseline_stats, number
from kraken_core.qc.cusum import RULE_CUSUM, CusumState, tabular_cusum
from kraken_core.qc.westgard import RULE_1_3S, RULE_10_X, RULE_2_2S, RULE_4_1S, RULE_R_4S, westgard_hits

ERROR = "ERROR"
WARN = "WARN"
SEVERITY = {RULE_1_3S: ERROR, RULE_R_4S: ERROR, RULE_2_2S: WARN, RULE_4_1S: WARN, RULE_10_X: WARN,
            RULE_CUSUM: WARN}
MEANING = {
    RULE_1_3S: "beyond 3 SD",
    RULE_2_2S: "2 files in a row beyond 2 SD on the same side",
    RULE_R_4S: "2 consecutive files beyond 2 SD on opposite sides",
    RULE_4_1S: "4 files in a row beyond 1 SD on the same side",
    RULE_10_X: "10 files in a row on the same side of the mean",
}
State = Literal["in_control", "out_of_control", "baseline", "not_judged"]


@dataclass(frozen=True)
class Violation:
    metric: str
    rule: str
    side: str  # high, low or range
    raw_file_ids: tuple[str, ...]  # the files the violation spans, oldest first
    values: tuple[float, ...]
    z_scores: tuple[float, ...]
    cusum: CusumState | None = None

    @property
    def severity(self) -> str:
        return SEVERITY[self.rule]

    def describe(self) -> str:
        if self.rule == RULE_CUSUM and self.cusum is not None:
            total = self.cusum.upper if self.side == "high" else self.cusum.lower
            direction = "upward" if self.side == "high" else "downward"
            return (f"CUSUM {direction} drift, C{'+' if self.side == 'high' else '-'} {total:.2f} above h "
                    f"{self.cusum.h:g} over {len(self.values)} files since the baseline (newest "
                    f"{number(self.values[-1])}, {self.z_scores[-1]:+.2f} SD)")
        shown = ", ".join(f"{number(v)} ({z:+.2f} SD) in {rid}"
                          for rid, v, z in zip(self.raw_file_ids, self.values, self.z_scores, strict=True))
        return f"{self.rule} ({MEANING[self.rule]}): {shown}"


@dataclass(frozen=True)
class MetricJudgement:
    metric: str
    state: State
    note: str = ""
    value: float | None = None
    z: float | None = None
    baseline: BaselineStats | None = None
    cusum: CusumState | None = None
    violations: tuple[Violation, ...] = field(default_factory=tuple)

    @property
    def severity(self) -> str | None:
        if not self.violations:
            return None
        return ERROR if any(v.severity == ERROR for v in self.violations) else WARN

    def describe(self) -> str:
        if self.state == "out_of_control":
            return (f"{self.metric} out of control ({self.baseline.describe()}): "
                    + "; ".join(v.describe() for v in self.violations))
        if self.state == "in_control":
            return f"{self.metric} {number(self.value)} ({self.z:+.2f} SD) in control"
        return f"{self.metric}: {self.note}"


def judge_metric(series: QcSeries, points: Sequence[QcPoint], baseline: Sequence[QcPoint], metric: str
                 ) -> MetricJudgement:
    """The newest of `points` (the segment's files up to the judged one, oldest first) on one metric."""
    target = points[-1]
    in_baseline = {p.raw_file_id for p in baseline}
    if target.raw_file_id in in_baseline:
        return MetricJudgement(metric, "baseline", f"part of the baseline ({len(baseline)} files)",
                               target.values.get(metric))
    if metric not in target.values:
        return MetricJudgement(metric, "not_judged", "missing in this file's metrics")
    stats = baseline_stats(baseline, metric)
    if stats is None or stats.n < series.baseline.min_points:
        have = stats.n if stats else sum(metric in p.values for p in baseline)
        return MetricJudgement(metric, "not_judged", f"the baseline has {have} values, at least "
                                                      f"{series.baseline.min_points} are needed", target.values[metric])
    if stats.sd == 0:
        return MetricJudgement(metric, "not_judged", f"the baseline's {stats.n} values are all "
                                                      f"{number(stats.mean)} (SD 0)", target.values[metric])
    having = [p for p in points if metric in p.values]
    mean, sd = stats.mean, stats.sd  # stats.z written out: a control chart scores about 120 points per file
    z = [(p.values[metric] - mean) / sd for p in having]
    violations = [_violation(metric, hit.rule, hit.side, having[-hit.points:], z[-hit.points:])
                  for hit in westgard_hits(z, series.rules)]
    cusum = None
    if RULE_CUSUM in series.rules:
        after = [(p, score) for p, score in zip(having, z, strict=True) if p.raw_file_id not in in_baseline]
        cusum = tabular_cusum([score for _, score in after], series.cusum.k, series.cusum.h)
        if cusum.side:
            violations.append(_violation(metric, RULE_CUSUM, cusum.side, [p for p, _ in after],
                                         [score for _, score in after], cusum))
    return MetricJudgement(metric, "out_of_control" if violations else "in_control", "", target.values[metric],
                           z[-1], stats, cusum, tuple(violations))


def _violation(metric: str, rule: str, side: str, points: Sequence[QcPoint], z: Sequence[float],
               cusum: CusumState | None = None) -> Violation:
    return Violation(metric, rule, side, tuple(p.raw_file_id for p in points),
                     tuple(p.values[metric] for p in points), tuple(z), cusum)


def judge_point(series: QcSeries, segment: Segment, points: Sequence[QcPoint],
                baseline: Sequence[QcPoint] | None = None) -> list[MetricJudgement]:
    """Every configured metric of the newest point, judged against the segment's baseline (by default the
    baseline's files among `points`, which then start at the segment start)."""
    if baseline is None:
        baseline = baseline_points(points, segment, series.baseline)
    return [judge_metric(series, points, baseline, metric) for metric in series.metrics]
