"""When a failing check or run deserves a message, and when a recovered one deserves a "resolved" message.

One message per (alert, subject) until the cooldown ends. A "state" alert (low disk, stale heartbeat) lasts
until its check passes: after each cooldown a reminder counts how often it was seen in between, and when it
passes again one resolved message follows. An "event" alert (a run failed, files newly in error) is news each
time; within the cooldown further events are counted and reported with the next message, and nothing is
resolved. The ledger keeps only failing states and events younger than the cooldown, and at most
`max_subjects` entries, so its memory is bounded.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

NoticeKind = Literal["alert", "reminder", "resolved"]


@dataclass(frozen=True)
class Observation:
    """One evaluation of an alert for one subject (an instrument, a location, a run, a raw file)."""

    alert: str
    subject: str
    failing: bool
    text: str
    link: str | None = None
    kind: Literal["state", "event"] = "state"
    severity: str = "ERROR"

    @property
    def key(self) -> str:
        return f"{self.alert}|{self.subject}"


@dataclass(frozen=True)
class Notice:
    observation: Observation
    kind: NoticeKind
    seen_since_last: int = 0


@dataclass
class _Entry:
    last_sent: float
    kind: str = "state"
    seen_since_last: int = 0


@dataclass
class AlertLedger:
    cooldown_s: float
    max_subjects: int = 500
    entries: dict[str, _Entry] = field(default_factory=dict)

    def decide(self, observations: list[Observation], now: float) -> list[Notice]:
        """What to send for these observations; call `sent` for each notice once it was delivered."""
        notices = []
        for obs in observations:
            entry = self.entries.get(obs.key)
            if not obs.failing:
                if entry is not None and entry.kind == "state":
                    notices.append(Notice(obs, "resolved"))
            elif entry is None:
                notices.append(Notice(obs, "alert"))
            elif now - entry.last_sent < self.cooldown_s:
                entry.seen_since_last += 1
            else:
                kind = "reminder" if obs.kind == "state" else "alert"
                notices.append(Notice(obs, kind, entry.seen_since_last))
        return notices

    def sent(self, notice: Notice, now: float) -> None:
        obs = notice.observation
        if notice.kind == "resolved":
            self.entries.pop(obs.key, None)
        else:
            self.entries[obs.key] = _Entry(now, obs.kind)
            self._bound(now)

    def _bound(self, now: float) -> None:
        expired = [k for k, e in self.entries.items() if e.kind == "event" and now - e.last_sent >= self.cooldown_s]
        for key in expired:
            del self.entries[key]
        while len(self.entries) > self.max_subjects:
            oldest = min(self.entries, key=lambda key: self.entries[key].last_sent)
            del self.entries[oldest]

    def to_json(self) -> str:
        return json.dumps({key: asdict(entry) for key, entry in self.entries.items()}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None, cooldown_s: float, now: float, max_subjects: int = 500) -> AlertLedger:
        """The ledger saved by `to_json`; an unreadable one starts empty (at worst, one repeated message)."""
        ledger = cls(cooldown_s, max_subjects)
        if text:
            try:
                raw = json.loads(text)
                ledger.entries = {key: _Entry(**value) for key, value in raw.items()}
            except (ValueError, TypeError):
                ledger.entries = {}
        ledger._bound(now)
        return ledger
