"""A check's verdict on one subject: what the health assets report and the alert sensor turns into messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# A failing "state" check stays a problem until it passes again (then a resolved message follows); a failing
# "event" check reports something that happened (files newly in error) and is never "resolved".
AlertKind = Literal["state", "event"]


@dataclass(frozen=True)
class Verdict:
    check: str
    subject: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)
    kind: AlertKind = "state"
