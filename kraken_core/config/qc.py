"""Statistical process control of QC series (`qc`): off until a series is configured.

A series is the QC raw files of one kind (e.g. HeLa standards) on each instrument: raw files whose name matches
`raw_file_pattern`, quantified with `settings_name` (each settings version is a series of its own). Each listed
metric (AlphaKraken's names: `precursors`, `proteins`, `fwhm_rt`, `optimization:ms1_error`, ...) is judged by the
listed rules against the mean and SD of a baseline: the files between `baseline.start` and `baseline.end`, or the
first `baseline.points` files from `baseline.start` (or from the series' first file). An annotation of a kind in
`baseline_reset_kinds` (default: column_change) after the baseline's start starts a new baseline of every series
of its instrument: the first `baseline.points` files from the annotation's time. Docs: docs/qc.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kraken_core.config.base import Section
from kraken_core.qc.annotation_kinds import DEFAULT_BASELINE_RESET_KINDS, AnnotationKind
from kraken_core.qc.cusum import RULE_CUSUM
from kraken_core.qc.westgard import WESTGARD_RULES
from kraken_core.quanting.metric_names import alphakraken_name

RULES = (*WESTGARD_RULES, RULE_CUSUM)
RuleName = Literal[RULES]  # type: ignore[valid-type]
SERIES_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _as_utc(value: datetime | date | None, end_of_day: bool) -> datetime | None:
    """A date means its whole day in UTC (a start at 00:00, an end at 23:59:59.999999); a naive time is UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end_of_day else time.min)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class QcBaseline(Section):
    start: datetime | date | None = None
    end: datetime | date | None = None
    points: int = Field(default=20, ge=2)  # without `end`: the first this many files make the baseline
    min_points: int = Field(default=5, ge=2)  # fewer values of a metric in the baseline: the metric is not judged

    @field_validator("start")
    @classmethod
    def _start(cls, value):
        return _as_utc(value, end_of_day=False)

    @field_validator("end")
    @classmethod
    def _end(cls, value):
        return _as_utc(value, end_of_day=True)

    @model_validator(mode="after")
    def _ordered(self) -> QcBaseline:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"baseline start {self.start:%Y-%m-%d %H:%M} is after its end {self.end:%Y-%m-%d %H:%M}")
        if self.min_points > self.points:
            raise ValueError(f"min_points {self.min_points} is more than points {self.points}")
        return self


class CusumSettings(Section):
    """Tabular CUSUM in SD units: `k` half the shift to detect, `h` the decision limit. The sums start at zero
    at the baseline's end, or `window` files before the judged one when that is later (a sum that starts at zero
    is never above the full one; a drift of 1 SD signals after about 10 files with the defaults)."""

    k: float = Field(default=0.5, ge=0)
    h: float = Field(default=5, gt=0)
    window: int = Field(default=100, ge=10)


class QcSeries(Section):
    name: str
    raw_file_pattern: str  # a Python regular expression searched in the raw file's name; (?i) ignores case
    instruments: list[str] | Literal["all"] = "all"
    settings_name: str | None = None  # unset: every settings name, each name and version a series of its own
    metrics: list[str] = Field(min_length=1)
    rules: list[RuleName] = Field(min_length=1)
    baseline: QcBaseline = QcBaseline()
    cusum: CusumSettings = CusumSettings()

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not SERIES_NAME.match(value):
            raise ValueError(f"series name {value!r}: letters, digits, '_', '.', '-' (at most 64)")
        return value

    @field_validator("raw_file_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"raw_file_pattern {value!r} is not a regular expression: {err}") from err
        return value

    @field_validator("metrics")
    @classmethod
    def _alphakraken_names(cls, value: list[str]) -> list[str]:
        """Metrics under AlphaKraken's names (`ms1_error` is `optimization:ms1_error`), each once."""
        return list(dict.fromkeys(alphakraken_name(name) for name in value))

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.raw_file_pattern)

    def covers(self, instrument_id: str) -> bool:
        return self.instruments == "all" or instrument_id in self.instruments


class QcConfig(Section):
    series: list[QcSeries] = Field(default_factory=list)
    baseline_reset_kinds: list[AnnotationKind] = Field(default_factory=lambda: list(DEFAULT_BASELINE_RESET_KINDS))

    @field_validator("series")
    @classmethod
    def _unique_names(cls, value: list[QcSeries]) -> list[QcSeries]:
        names = [series.name for series in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"series names must be unique: {', '.join(twice)} appear more than once")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.series)


def unknown_series_instruments(qc: QcConfig, instruments: Iterable[str]) -> list[str]:
    """`qc.series[i].instruments` entries that name no configured instrument."""
    known = set(instruments)
    return [f"qc.series[{index}] ({series.name}): {instrument}" for index, series in enumerate(qc.series)
            if series.instruments != "all" for instrument in series.instruments if instrument not in known]
