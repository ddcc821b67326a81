"""The companion's maintenance-annotation form: an operator records an instrument event (kind, when, what)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from kraken_core.record.annotations import AnnotationError, add_annotation

# an event is recorded after it happened; a little slack for clocks that disagree
FUTURE_SLACK = timedelta(minutes=10)


def parse_time(text: str, now: datetime) -> datetime:
    """The form's time (a datetime-local field, or ISO 8601), in UTC unless it names its zone; empty: now."""
    text = text.strip()
    if not text:
        return now
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise AnnotationError(f"time {text!r} is not a date and time such as 2026-03-01T14:30 (UTC)") from err
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if value > now + FUTURE_SLACK:
        raise AnnotationError(f"time {value:%Y-%m-%d %H:%M} UTC is in the future; enter when the event happened")
    return value


def record_annotation(db: Database, form: Mapping[str, Any], instruments: Sequence[str], user: str,
                      now: datetime) -> dict[str, Any]:
    """Validate the form and write the annotation; AnnotationError says what to change (nothing is written)."""
    instrument = str(form.get("instrument", "")).strip()
    if not instrument:
        raise AnnotationError("choose the instrument")
    return add_annotation(db, instrument_id=instrument, kind=str(form.get("kind", "")).strip(),
                          occurred_at=parse_time(str(form.get("occurred_at", "")), now),
                          text=str(form.get("text", "")), created_by=user, known_instruments=instruments)
