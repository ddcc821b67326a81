"""Answers an assistant can read: numbers to 5 significant digits, datetimes as ISO 8601 UTC, plain JSON."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from kraken_core.numbers import finite_number

SIGNIFICANT_DIGITS = 5


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float | int:
    if value == 0 or not math.isfinite(value):
        return value
    rounded = round(value, digits - int(math.floor(math.log10(abs(value)))) - 1)
    return int(rounded) if isinstance(value, int) else rounded


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z; a naive datetime is taken as UTC (how pymongo stores them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def plain(value: Any) -> Any:
    """A JSON-ready copy: rounded numbers, ISO datetimes, ObjectIds as strings, recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = finite_number(value)
        return None if number is None else round_significant(number)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return str(value)
