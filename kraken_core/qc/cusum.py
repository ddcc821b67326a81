"""Tabular CUSUM for slow drift (Montgomery, Introduction to Statistical Quality Control, 9.1), in SD units.

On z-scores of the points after the baseline, oldest first:
    C+_i = max(0, z_i - k + C+_{i-1}),   C-_i = max(0, -z_i - k + C-_{i-1}),   C+_0 = C-_0 = 0
and the series signals when C+ or C- exceeds h. k (default 0.5) is half the shift to detect (1 SD); h (default 5)
gives an in-control average run length of about 465 points. The sums are not reset after a signal: a drifting
series keeps signalling until in-control points wear the sum down (each point near the mean takes about k off),
or until an annotation starts a new baseline (the corrective action).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RULE_CUSUM = "cusum"


@dataclass(frozen=True)
class CusumState:
    upper: float  # C+ after the newest point
    lower: float  # C- after the newest point
    h: float

    @property
    def side(self) -> str | None:
        """'high' or 'low' while the sum beyond h signals (the larger one when both do), else None."""
        if max(self.upper, self.lower) <= self.h:
            return None
        return "high" if self.upper >= self.lower else "low"


def tabular_cusum(z: Sequence[float], k: float, h: float) -> CusumState:
    upper = lower = 0.0
    for value in z:  # max(0, ...) written out: a control chart sums about 100 points for each of thousands of files
        upper += value - k
        if upper < 0.0:
            upper = 0.0
        lower += -value - k
        if lower < 0.0:
            lower = 0.0
    return CusumState(upper, lower, h)
