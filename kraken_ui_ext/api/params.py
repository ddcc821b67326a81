"""Query parameters of the REST API: one declaration per parameter serves the parsing (a bad value is a 400
naming the parameter) and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from starlette.datastructures import QueryParams

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class BadParameter(ValueError):
    """A query parameter the API cannot use; `parameter` names it, the message says what is expected."""

    def __init__(self, parameter: str, detail: str):
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # string, integer, boolean, date-time, number
    description: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()
    end_of_day: bool = False  # date-time: a date alone means the end of that day (UTC), not its start

    def parse(self, raw: str, given_as: str) -> Any:
        raw = raw.strip()
        if self.kind == "string":
            return raw or None
        if self.kind == "boolean":
            if raw.lower() in TRUE:
                return True
            if raw.lower() in FALSE:
                return False
            raise BadParameter(given_as, f"expected true or false (got {raw!r})")
        if self.kind == "date-time":
            return parse_time(raw, given_as, self.end_of_day)
        try:
            value: float = int(raw) if self.kind == "integer" else float(raw)
        except ValueError:
            raise BadParameter(given_as, f"expected {'an integer' if self.kind == 'integer' else 'a number'}"
                                         f"{self._bounds()} (got {raw!r})") from None
        if value != value or (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum):
            raise BadParameter(given_as, f"expected {'an integer' if self.kind == 'integer' else 'a number'}"
                                         f"{self._bounds()} (got {raw})")
        return value

    def _bounds(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f" of at least {self.minimum:g}"
        return f" of at most {self.maximum:g}" if self.maximum is not None else ""


def parse_time(raw: str, parameter: str, end_of_day: bool = False) -> datetime:
    """ISO 8601 (`2026-03-02T13:30:00Z`, an offset, or a date alone); a time without a zone is UTC."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadParameter(parameter, f"expected an ISO 8601 time such as 2026-03-02T13:30:00Z or a date such as "
                                      f"2026-03-02 (got {raw!r})") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def paging_params() -> tuple[Param, Param]:
    return (
        Param("limit", "integer", f"How many items per page (1 to {MAX_LIMIT}).", DEFAULT_LIMIT, 1, MAX_LIMIT),
        Param("offset", "integer", "How many matching items to skip (the page's start).", 0, 0, MAX_OFFSET),
    )


def parse_params(query: QueryParams, params: Sequence[Param]) -> dict[str, Any]:
    """Every declared parameter by name (its default when absent); an unknown, repeated or bad one is refused."""
    by_name = {name: p for p in params for name in (p.name, *p.aliases)}
    values: dict[str, Any] = {p.name: p.default for p in params}
    seen: dict[str, str] = {}
    for given, raw in query.multi_items():
        param = by_name.get(given)
        if param is None:
            known = ", ".join(sorted(p.name for p in params)) or "none"
            raise BadParameter(given, f"unknown parameter; this endpoint takes: {known}")
        if param.name in seen:
            raise BadParameter(given, f"given more than once (also as {seen[param.name]}); give it once")
        seen[param.name] = given
        parsed = param.parse(raw, given)
        values[param.name] = param.default if parsed is None else parsed
    return values
