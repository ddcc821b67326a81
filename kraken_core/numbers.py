"""What counts as a number in a metric: one rule for the parsers, the record's readers, the web views and MCP."""

from __future__ import annotations

import math
from typing import Any


def finite_number(value: Any) -> int | float | None:
    """A plain, finite Python number, or None for anything else (missing, null, NaN, infinity, bool, text that is
    not a number). NumPy and pandas scalars become Python numbers; integers stay integers."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
