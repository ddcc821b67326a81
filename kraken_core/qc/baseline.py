"""Which files of a QC series make its baseline, and the baseline's mean and SD per metric.

The series of an instrument starts at a segment start: the later of the configured `baseline.start` and the
newest resetting annotation (e.g. a column change) before the file being judged. From there the baseline is the
files up to `baseline.end` (dates configured, no later reset), or else the first `baseline.points` files.
Files before the segment start belong to an earlier baseline and are not looked at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kraken_core.config.qc import QcBaseline


@dataclass(frozen=True)
class QcPoint:
    """One QC raw file of a series: when it was acquired and its metrics (finite numbers only)."""

    raw_file_id: str
    acquired_at: datetime
    values: Mapping[str, float]


@dataclass(frozen=True)
class Segment:
    start: datetime | None  # None: from the series' first file
    reset_at: datetime | None  # the annotation that started it, if one did
    end: datetime | None  # the configured baseline end, when the dates (not a reset) define the baseline


def segment_of(baseline: QcBaseline, reset_at: datetime | None) -> Segment:
    if reset_at is not None and (baseline.start is None or reset_at > baseline.start):
        return Segment(reset_at, reset_at, None)
    return Segment(baseline.start, None, baseline.end)


def baseline_points(points: Sequence[QcPoint], segment: Segment, baseline: QcBaseline) -> list[QcPoint]:
    """The baseline's files among the segment's points (oldest first, all at or after the segment start)."""
    if segment.end is not None:
        return [p for p in points if p.acquired_at <= segment.end]
    return list(points[: baseline.points])


@dataclass(frozen=True)
class BaselineStats:
    mean: float
    sd: float
    n: int
    first: datetime
    last: datetime

    def z(self, value: float) -> float:
        return (value - self.mean) / self.sd

    def describe(self) -> str:
        return (f"baseline mean {number(self.mean)}, SD {number(self.sd)} from {self.n} files "
                f"{self.first:%Y-%m-%d}..{self.last:%Y-%m-%d}")


def baseline_stats(points: Sequence[QcPoint], metric: str) -> BaselineStats | None:
    """Mean and sample SD (n - 1) of the metric over the baseline's files that have it; None with fewer than 2."""
    having = [p for p in points if metric in p.values]
    if len(having) < 2:
        return None
    values = [p.values[metric] for p in having]
    # floats, not `statistics.stdev` (exact fractions): a control chart judges a thousand files in one request
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return BaselineStats(mean, sd, len(values), having[0].acquired_at, having[-1].acquired_at)


def number(value: float) -> str:
    """Readable in an alert: 52,300 for large values, 4 significant digits for small ones."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
