"""Westgard rules on one control series, as z-scores (value - baseline mean) / baseline SD, oldest first.

Every rule is judged on the window that ends at the newest point: a rule is violated *by* the newest point, so
a point back in control ends the violation. "Exceeds" is strict (a z of exactly 3 does not violate 1-3s; a point
exactly on the mean is on neither side). One QC raw file is one run with one control measurement per metric, so
the multi-point rules are applied across runs, to consecutive files of the same series (Westgard's "across runs"
reading for a single control material):

- 1-3s: the newest point exceeds mean ± 3 SD (random error).
- 2-2s: the newest point and the one before both exceed the same limit, mean + 2 SD or mean - 2 SD (systematic).
- R-4s: of the newest point and the one before, one exceeds mean + 2 SD and the other mean - 2 SD (a range of
  more than 4 SD between consecutive runs; random error). Westgard defines R-4s within a run; with one control
  per run the consecutive pair is the closest equivalent.
- 4-1s: the newest four points all exceed the same limit, mean + 1 SD or mean - 1 SD (systematic).
- 10-x: the newest ten points all lie on the same side of the mean (systematic shift).

Each rule returns None, or the number of newest points involved and the side ("high"/"low"; R-4s "range").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

RULE_1_3S = "1-3s"
RULE_2_2S = "2-2s"
RULE_R_4S = "R-4s"
RULE_4_1S = "4-1s"
RULE_10_X = "10-x"


@dataclass(frozen=True)
class RuleHit:
    rule: str
    points: int  # how many of the newest points the violation spans
    side: str  # "high", "low" or "range"


def _same_side_beyond(z: Sequence[float], count: int, limit: float) -> str | None:
    """'high' when the newest `count` points all exceed +limit, 'low' when all are below -limit."""
    if len(z) < count:
        return None
    window = z[-count:]
    if all(value > limit for value in window):
        return "high"
    if all(value < -limit for value in window):
        return "low"
    return None


def one_3s(z: Sequence[float]) -> RuleHit | None:
    side = _same_side_beyond(z, 1, 3)
    return RuleHit(RULE_1_3S, 1, side) if side else None


def two_2s(z: Sequence[float]) -> RuleHit | None:
    side = _same_side_beyond(z, 2, 2)
    return RuleHit(RULE_2_2S, 2, side) if side else None


def range_4s(z: Sequence[float]) -> RuleHit | None:
    if len(z) < 2:
        return None
    previous, newest = z[-2], z[-1]
    if (newest > 2 and previous < -2) or (newest < -2 and previous > 2):
        return RuleHit(RULE_R_4S, 2, "range")
    return None


def four_1s(z: Sequence[float]) -> RuleHit | None:
    side = _same_side_beyond(z, 4, 1)
    return RuleHit(RULE_4_1S, 4, side) if side else None


def ten_x(z: Sequence[float]) -> RuleHit | None:
    side = _same_side_beyond(z, 10, 0)
    return RuleHit(RULE_10_X, 10, side) if side else None


WESTGARD_RULES: dict[str, Callable[[Sequence[float]], RuleHit | None]] = {
    RULE_1_3S: one_3s,
    RULE_2_2S: two_2s,
    RULE_R_4S: range_4s,
    RULE_4_1S: four_1s,
    RULE_10_X: ten_x,
}


def westgard_hits(z: Sequence[float], rules: Sequence[str]) -> list[RuleHit]:
    """The enabled rules the newest point violates, in the order of `WESTGARD_RULES`."""
    return [hit for name, rule in WESTGARD_RULES.items() if name in rules and (hit := rule(z)) is not None]
