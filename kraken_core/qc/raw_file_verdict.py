"""The QC verdict on one raw file: every series it belongs to (name pattern, instrument, settings), judged on
its metrics against the series' baseline, as one check result.

The alert subject is the series on the instrument (`QC hela on astral1`), not the raw file: a violation is
alerted once, and the next file of the series that is in control resolves it. A file in several series (patterns
that overlap) is judged in each, under one subject naming them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.database import Database

from kraken_core.config.qc import QcConfig, QcSeries
from kraken_core.qc.baseline import QcPoint, Segment, segment_of
from kraken_core.qc.judgement import ERROR, WARN, MetricJudgement
from kraken_core.qc.series_status import before_start_note, judge_recorded_point
from kraken_core.record.annotations import latest_reset
from kraken_core.record.qc_series import (
    SeriesKey, fill_series, has_points, metric_values, record_point, series_name_of,
)

QC_CHECK = "qc_series_in_control"


@dataclass(frozen=True)
class SeriesJudgement:
    series: QcSeries
    settings_name: str
    settings_version: Any
    segment: Segment
    judgements: list[MetricJudgement]
    note: str = ""  # why the file was not judged in this series

    @property
    def label(self) -> str:
        return f"{self.series.name} ({self.settings_name} v{self.settings_version})"

    def describe(self) -> str:
        if self.note:
            return f"{self.label}: {self.note}"
        out = [j for j in self.judgements if j.state == "out_of_control"]
        shown = out or self.judgements
        state = "out of control" if out else "in control"
        return f"{self.label} {state}: " + "; ".join(j.describe() for j in shown)


@dataclass(frozen=True)
class QcVerdict:
    raw_file_id: str
    instrument_id: str
    subject: str
    series: list[SeriesJudgement] = field(default_factory=list)
    note: str = ""

    @property
    def violations(self) -> list:
        return [v for s in self.series for j in s.judgements for v in j.violations]

    @property
    def passed(self) -> bool:
        return not self.violations

    @property
    def severity(self) -> str:
        return ERROR if any(v.severity == ERROR for v in self.violations) else WARN

    def describe(self, raw_file_link: str | None = None) -> str:
        link = f" ({raw_file_link})" if raw_file_link else ""
        if self.note:
            return f"{self.subject}: {self.raw_file_id}{link}: {self.note}"
        return f"{self.subject}: {self.raw_file_id}{link}: " + " | ".join(s.describe() for s in self.series)

    def metadata(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "instrument": self.instrument_id,
            "series": [s.label for s in self.series],
            "violations": [
                {"series": s.label, "metric": v.metric, "rule": v.rule, "severity": v.severity, "side": v.side,
                 "raw_files": list(v.raw_file_ids), "values": list(v.values),
                 "z_scores": [round(z, 3) for z in v.z_scores],
                 "baseline_mean": j.baseline.mean, "baseline_sd": j.baseline.sd}
                for s in self.series for j in s.judgements for v in j.violations
            ],
            "metrics": {f"{s.series.name}/{j.metric}": j.state for s in self.series for j in s.judgements},
        }


def _newest_per_settings(documents: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """`documents` oldest first (as the record gives them): the newest per settings name and version."""
    newest: dict[tuple, Mapping[str, Any]] = {}
    for doc in documents:
        newest[(doc.get("settings_name"), doc.get("settings_version"))] = doc
    return list(newest.values())


def _judge_in_series(db: Database, qc: QcConfig, series: QcSeries, raw_file: Mapping[str, Any],
                     doc: Mapping[str, Any]) -> SeriesJudgement:
    instrument_id, acquired_at = raw_file["instrument_id"], raw_file["created_at"]
    settings = doc.get("settings_name"), doc.get("settings_version")
    segment = segment_of(series.baseline, latest_reset(db, instrument_id, qc.baseline_reset_kinds, acquired_at))
    if segment.start is not None and acquired_at < segment.start:
        return SeriesJudgement(series, *settings, segment, [], before_start_note(acquired_at, segment))
    key = SeriesKey(series.name, series.raw_file_pattern, instrument_id, *settings)
    if not has_points(db, key):
        fill_series(db, key)
    target = QcPoint(raw_file["_id"], acquired_at, metric_values(doc))
    record_point(db, key, target)
    return SeriesJudgement(series, *settings, segment, judge_recorded_point(db, series, key, segment, target))


def judge_raw_file(db: Database, qc: QcConfig, raw_file: Mapping[str, Any],
                   metrics_documents: Sequence[Mapping[str, Any]]) -> QcVerdict:
    """The verdict of every series the raw file belongs to (none: a passing verdict naming no series)."""
    raw_file_id, instrument_id = raw_file["_id"], raw_file.get("instrument_id") or ""
    acquired_at: datetime | None = raw_file.get("created_at")
    name = series_name_of(raw_file)
    member = [s for s in qc.series if s.covers(instrument_id) and s.pattern.search(name)]
    if not member or acquired_at is None:
        return QcVerdict(raw_file_id, instrument_id, raw_file_id, note="in no QC series")
    judged = [_judge_in_series(db, qc, series, raw_file, doc)
              for series in member for doc in _newest_per_settings(metrics_documents)
              if series.settings_name is None or doc.get("settings_name") == series.settings_name]
    subject = f"QC {', '.join(s.name for s in member)} on {instrument_id}"
    if not judged:
        wanted = sorted({s.settings_name for s in member if s.settings_name})
        return QcVerdict(raw_file_id, instrument_id, subject,
                         note=f"no metrics of settings {', '.join(wanted)} in the record; nothing to judge")
    return QcVerdict(raw_file_id, instrument_id, subject, judged)
