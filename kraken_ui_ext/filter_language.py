"""AlphaKraken's overview filter language, shared by the companion overview and the REST API.

Syntax and meaning follow AlphaKraken's webapp (`show_filter`):

- terms are joined by `&`, and every term must hold;
- a term is a regular expression, searched case-insensitively (anywhere in the text, not anchored);
- `column=regex` searches one column; a term without `=` searches the raw file name, instrument, project,
  status and status details, and holds when any of them matches;
- `column=[low,high]` keeps rows whose number lies in the range, both ends included; a row without the value is
  never in a range; either end may be left empty (`[40000,]`);
- `!` before a term negates it (`!hela`, `!status=done`, `!proteins=[0,1000]`).

So `status=done` also matches `done_not_quanted`, as in AlphaKraken; `status=^done$` matches only `done`.

`parse_filter(text)` gives a `Filter`; `Filter.mongo_query()` is the part MongoDB can answer on `raw_file`, and
`Filter.residual` the terms it cannot (metrics, lag, times), for `matches()` on the rows MongoDB returned.
`Filter.matches()` alone gives the same answer in Python: the nx-27017 wire server (tests, `make run`) scans the
whole collection for a `$regex` beside an indexed range (74 s against 3.8 s for the range alone at 145,000 raw
files), so on it read the range and match `record_part` in Python, as the companion overview does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from kraken_core.numbers import finite_number
from kraken_core.quanting.metric_names import alphakraken_name
from kraken_core.record.timestamps import record_datetime
from kraken_ui_ext.companion.record_views import processing_lag
from kraken_ui_ext.key_metrics import METRICS_BY_NAME

MAX_FILTER_LENGTH = 1000
# AlphaKraken writes a filter into its URLs with these stand-ins (service/utils.py FILTER_MAPPING)
URL_STAND_INS = {"_AND_": " & ", "_IS_": "="}

# text columns of `raw_file` (MongoDB answers them): name -> field
RECORD_TEXT_COLUMNS = {
    "raw_file": "_id", "instrument_id": "instrument_id", "project_id": "project_id", "status": "status",
    "status_details": "status_details", "backup_status": "backup_status",
    "instrument_file_status": "instrument_file_status", "original_name": "original_name",
}
ANY_COLUMN_FIELDS = ("_id", "instrument_id", "project_id", "status", "status_details")
COLUMN_ALIASES = {"name": "raw_file", "_id": "raw_file", "instrument": "instrument_id", "project": "project_id",
                  "size": "size_gb", "acquired": "file_created", "created_at": "file_created",
                  "lag": "lag_time_minutes", "settings": "settings_name"}
# columns known beyond the record's text fields and the metrics
OTHER_COLUMNS = ("size_gb", "file_created", "lag_time_minutes", "settings_name", "settings_version")


class FilterError(ValueError):
    """The filter text has terms that cannot be read; `problems` names each bad term and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Term:
    """One `&`-separated part of a filter: a regex or a range, on one column or (column None) on any."""

    text: str
    column: str | None = None
    negate: bool = False
    pattern: str | None = None
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return self.pattern is None

    @property
    def in_record(self) -> bool:
        """MongoDB can answer this term on `raw_file` alone."""
        return self.column is None or self.column in RECORD_TEXT_COLUMNS or (self.column == "size_gb" and self.is_range)

    def mongo_query(self) -> dict[str, Any]:
        if self.is_range:  # size_gb: the record holds bytes
            bounds = {**({"$gte": self.low * 1e9} if self.low is not None else {}),
                      **({"$lte": self.high * 1e9} if self.high is not None else {})}
            condition = {"size": bounds or {"$type": "number"}}
            return {"$nor": [condition]} if self.negate else condition
        regex = {"$regex": self.pattern, "$options": "i"}
        fields = ANY_COLUMN_FIELDS if self.column is None else (RECORD_TEXT_COLUMNS[self.column],)
        conditions = [{f: regex} for f in fields]
        if self.negate:  # $nor rather than $not: the same meaning, and the test server knows only $nor
            return {"$nor": conditions}
        return conditions[0] if len(conditions) == 1 else {"$or": conditions}

    def matches(self, doc: Mapping[str, Any], metrics: Mapping[str, Any] | None) -> bool:
        if self.column is None:
            values = [doc.get(f) for f in ANY_COLUMN_FIELDS]
        else:
            values = [column_value(self.column, doc, metrics or {})]
        if self.is_range:
            found = any(_in_range(v, self.low, self.high) for v in values)
        else:
            found = any(v is not None and re.search(self.pattern, _text(v), re.IGNORECASE) for v in values)
        return found != self.negate


@dataclass(frozen=True)
class Filter:
    text: str = ""
    terms: tuple[Term, ...] = field(default_factory=tuple)

    def mongo_query(self) -> dict[str, Any]:
        """The terms MongoDB can answer, as a query on `raw_file` ({} when there are none)."""
        parts = [t.mongo_query() for t in self.terms if t.in_record]
        return {} if not parts else parts[0] if len(parts) == 1 else {"$and": parts}

    @property
    def record_part(self) -> Filter:
        """The terms `mongo_query()` holds, to match in Python where MongoDB should not (see the module doc)."""
        return Filter(self.text, tuple(t for t in self.terms if t.in_record))

    @property
    def residual(self) -> Filter:
        """The terms `mongo_query()` leaves out: apply `matches()` of this to the documents MongoDB returned."""
        return Filter(self.text, tuple(t for t in self.terms if not t.in_record))

    @property
    def needs_metrics(self) -> bool:
        return any(t.column in METRICS_BY_NAME or t.column in ("settings_name", "settings_version")
                   for t in self.terms if t.column is not None)

    def matches(self, doc: Mapping[str, Any], metrics: Mapping[str, Any] | None = None) -> bool:
        """Every term holds for this `raw_file` document and its (merged, newest) `metrics` document."""
        return all(term.matches(doc, metrics) for term in self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)


def column_value(column: str, doc: Mapping[str, Any], metrics: Mapping[str, Any]) -> Any:
    """The value a row shows in `column` (a canonical name), or None."""
    if column in RECORD_TEXT_COLUMNS:
        return doc.get(RECORD_TEXT_COLUMNS[column])
    if column == "size_gb":
        size = finite_number(doc.get("size"))
        return None if size is None else size / 1e9
    if column == "file_created":
        created = record_datetime(doc.get("created_at"))
        return None if created is None else created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if column == "lag_time_minutes":
        lag = processing_lag(dict(doc))
        return None if lag is None else lag / timedelta(minutes=1)
    if column in ("settings_name", "settings_version"):
        return metrics.get(column)
    return METRICS_BY_NAME[column].value(metrics)


def known_columns() -> list[str]:
    """The column names a filter may name (besides the aliases)."""
    return [*RECORD_TEXT_COLUMNS, *OTHER_COLUMNS, *METRICS_BY_NAME]


def canonical_column(name: str) -> str | None:
    """The column a name in a filter means, or None: aliases, and every older name of a metric."""
    name = name.strip().lower()
    name = COLUMN_ALIASES.get(name, name)
    if name in RECORD_TEXT_COLUMNS or name in OTHER_COLUMNS:
        return name
    metric = alphakraken_name(name)
    if metric in METRICS_BY_NAME:
        return metric
    lowered = {m.lower(): m for m in METRICS_BY_NAME}
    return lowered.get(metric)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _in_range(value: Any, low: float | None, high: float | None) -> bool:
    number = finite_number(value)
    if number is None or isinstance(value, bool):
        return False
    return (low is None or number >= low) and (high is None or number <= high)


def _bound(text: str, term: str, which: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{term!r}: the {which} end {text!r} of the range is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{term!r}: the {which} end {text!r} of the range is not a finite number")
    return number


def _term(raw: str) -> Term:
    text = raw.strip()
    body, negate = text, False
    if body.startswith("!"):
        body, negate = body[1:].strip(), True
    column = None
    if "=" in body:
        name, body = (part.strip() for part in body.split("=", 1))
        if not name:
            raise ValueError(f"{text!r}: no column before '='; write column=value, for example status=done")
        column = canonical_column(name)
        if column is None:
            raise ValueError(f"{text!r}: unknown column {name!r}; columns are raw_file, instrument_id, project_id, "
                             f"status, status_details, size_gb, settings_version and the metric names "
                             f"(proteins, precursors, fwhm_rt, ...)")
    if not body:
        raise ValueError(f"{text!r}: nothing to search for" + (f" after '{name}='" if column else ""))
    if body.startswith("[") and body.endswith("]"):
        if column is None:
            raise ValueError(f"{text!r}: a range needs a column, for example precursors={body}")
        ends = body[1:-1].split(",")
        if len(ends) != 2:
            raise ValueError(f"{text!r}: a range is [low,high] with one comma, for example [40000,60000]")
        low, high = _bound(ends[0], text, "low"), _bound(ends[1], text, "high")
        if low is not None and high is not None and low > high:
            raise ValueError(f"{text!r}: the low end {low:g} is above the high end {high:g}")
        if column in RECORD_TEXT_COLUMNS or column == "file_created":
            raise ValueError(f"{text!r}: {column} is text; a range needs a number column such as size_gb or a metric")
        return Term(text, column, negate, low=low, high=high)
    try:
        re.compile(body)
    except re.error as err:
        raise ValueError(f"{text!r}: {body!r} is not a valid regular expression ({err})") from None
    return Term(text, column, negate, pattern=body)


def normalise(text: str) -> str:
    """A filter as typed or from an AlphaKraken URL (`_AND_` and `_IS_` stand for `&` and `=`)."""
    for stand_in, meaning in URL_STAND_INS.items():
        text = re.sub(re.escape(stand_in), meaning, text, flags=re.IGNORECASE)
    return text.strip()


def _parse(text: str | None) -> tuple[Filter, list[str]]:
    text = normalise(text or "")
    if len(text) > MAX_FILTER_LENGTH:
        return Filter(), [f"the filter is {len(text)} characters long; at most {MAX_FILTER_LENGTH} are read"]
    terms, problems = [], []
    for raw in text.split("&"):
        if not raw.strip():
            continue
        try:
            terms.append(_term(raw))
        except ValueError as err:
            problems.append(str(err))
    return Filter(text, tuple(terms)), problems


def parse_filter(text: str | None) -> Filter:
    """A `Filter` of the text; raises `FilterError` naming every term that cannot be read."""
    parsed, problems = _parse(text)
    if problems:
        raise FilterError(problems)
    return parsed


def parse_filter_leniently(text: str | None) -> tuple[Filter, list[str]]:
    """As AlphaKraken's overview does: the terms that can be read, and a problem for each term left out."""
    return _parse(text)
