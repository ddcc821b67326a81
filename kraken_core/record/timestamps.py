"""Timestamps read from the record as timezone-aware UTC datetimes.

The test and local wire server (nx-27017 0.8.1) stores a top-level datetime written by `$set` on an existing
document as a string (`2026-11-26 13:52:54.954000`, UTC); inserted and upserted documents keep real dates.
Readers that do arithmetic on record timestamps go through `record_datetime` so both forms work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def record_datetime(value: Any) -> datetime | None:
    """A datetime (naive ones are UTC), a string written in its place, or None when absent or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None
