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


SIZE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def human_size(size: Any) -> str:
    """A byte count as people read it: `2 B`, `1,023 B`, `19.1 MB`, `1.95 GB`; '' when it is not a number.

    Steps of 1,024 with the units Windows Explorer shows on the instrument PCs, so a size here matches the one
    the person at the instrument sees; three significant digits are enough to tell files apart by eye.
    """
    number = finite_number(size)
    if number is None:
        return ""
    value, unit = float(number), 0
    while abs(value) >= 1024 and unit < len(SIZE_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    if unit == 0:
        return f"{int(number):,} B"
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    return f"{value:,.{digits}f} {SIZE_UNITS[unit]}"
