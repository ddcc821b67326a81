"""`/qc/status`: the control-chart state of each QC series (per instrument and settings version), as the
`qc_series_in_control` check judges its newest file (kraken_core/qc/series_status.py)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from kraken_core.config.qc import QcConfig
from kraken_core.qc.judgement import MetricJudgement, Violation
from kraken_core.qc.series_status import SeriesStatus, series_status
from kraken_core.record.qc_series import SeriesKey, series_keys
from kraken_ui_ext.api.shapes import plain

STATES = ("out_of_control", "in_control", "baseline", "not_judged")


def chosen_series(db: Database, instruments: list[str], series: str | None) -> list[SeriesKey]:
    """The series with points in the record on these instruments (each asked on its own: the instrument index),
    of one series name when given."""
    return [key for instrument_id in instruments for key in series_keys(db, instrument_id)
            if series is None or key.series == series]


def status_json(status: SeriesStatus) -> dict[str, Any]:
    key, newest = status.key, status.newest
    return {
        "series": key.series, "raw_file_pattern": key.pattern, "instrument_id": key.instrument_id,
        "settings_name": key.settings_name, "settings_version": plain(key.settings_version),
        "state": status.state,
        "newest_raw_file": None if newest is None else {"id": newest.raw_file_id,
                                                        "acquired_at": plain(newest.acquired_at)},
        "note": status.note or None,
        "summary": status.describe(),
        "violations": [violation_json(v) for v in status.violations],
        "metrics": [judgement_json(j) for j in status.judgements],
    }


def violation_json(violation: Violation) -> dict[str, Any]:
    return {"metric": violation.metric, "rule": violation.rule, "severity": violation.severity,
            "side": violation.side, "raw_files": list(violation.raw_file_ids), "values": plain(list(violation.values)),
            "z_scores": [round(z, 3) for z in violation.z_scores], "description": violation.describe()}


def judgement_json(judgement: MetricJudgement) -> dict[str, Any]:
    baseline = judgement.baseline
    return {
        "metric": judgement.metric, "state": judgement.state, "value": plain(judgement.value),
        "z_score": None if judgement.z is None else round(judgement.z, 3), "note": judgement.note or None,
        "baseline": None if baseline is None else {
            "mean": plain(baseline.mean), "sd": plain(baseline.sd), "files": baseline.n,
            "first": plain(baseline.first), "last": plain(baseline.last)},
    }


def qc_statuses(db: Database, qc: QcConfig, keys: list[SeriesKey]) -> list[dict[str, Any]]:
    return [status_json(series_status(db, qc, key)) for key in keys]
