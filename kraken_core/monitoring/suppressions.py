"""Suppression rules from a YAML file (`monitoring.suppressions_file`), so a known problem stops paging people.

    suppressions:
      - alert: free_space          # substring of the alert name, or "*"
        subject: thermo1           # substring of the subject (instrument, location, job), or "*"
        message: "maintenance"     # optional substring of the message text
        until: 2026-12-24T00:00:00Z  # optional; the rule ends by itself
        reason: "PC replaced this week"

A file that cannot be read suppresses nothing: a broken rules file must never silence alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from kraken_core.monitoring.alert_policy import Observation


@dataclass(frozen=True)
class Suppression:
    alert: str = "*"
    subject: str = "*"
    message: str = "*"
    until: datetime | None = None
    reason: str = ""

    def matches(self, obs: Observation, now: datetime) -> bool:
        if self.until is not None and now >= self.until:
            return False
        return all(
            pattern == "*" or pattern.lower() in value.lower()
            for pattern, value in ((self.alert, obs.alert), (self.subject, obs.subject), (self.message, obs.text))
        )


class SuppressionFileError(ValueError):
    """The suppressions file is not valid; the message names the file and the rule."""


def _until(value, path: Path, index: int) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as err:
            raise SuppressionFileError(f"{path}: suppressions[{index}].until: not an ISO date/time: {value!r}") from err
    if not isinstance(value, datetime):
        raise SuppressionFileError(f"{path}: suppressions[{index}].until: not a date/time: {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_suppressions(path: Path | None) -> list[Suppression]:
    if path is None or not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise SuppressionFileError(f"{path}: not valid YAML: {err}") from err
    rules = data.get("suppressions") if isinstance(data, dict) else None
    if rules is None:
        return []
    if not isinstance(rules, list):
        raise SuppressionFileError(f"{path}: suppressions: expected a list of rules")
    known = {"alert", "subject", "message", "until", "reason"}
    result = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) - known:
            raise SuppressionFileError(
                f"{path}: suppressions[{index}]: expected a mapping with keys from {', '.join(sorted(known))}"
            )
        result.append(
            Suppression(
                alert=str(rule.get("alert", "*")),
                subject=str(rule.get("subject", "*")),
                message=str(rule.get("message", "*")),
                until=_until(rule.get("until"), path, index),
                reason=str(rule.get("reason", "")),
            )
        )
    return result


def split_suppressed(
    observations: list[Observation], rules: list[Suppression], now: datetime
) -> tuple[list[Observation], list[Observation]]:
    """(kept, suppressed): suppressed observations neither alert nor resolve."""
    kept, suppressed = [], []
    for obs in observations:
        (suppressed if any(rule.matches(obs, now) for rule in rules) else kept).append(obs)
    return kept, suppressed
