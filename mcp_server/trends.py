"""A metric's trend for one instrument: this period against the one before, computed in Python.

(The test server nx-27017 silently ignores stages after `$unwind` + `$group`, so no aggregation is used.)
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp_server.errors import NotInRecord
from kraken_core.quanting.metric_names import alphakraken_name
from mcp_server.metrics import metrics_by_raw_file, numeric, numeric_metric_names
from mcp_server.raw_files import instrument_raw_files
from mcp_server.record_reader import RecordReader

# The trend reads at most this many raw files per period (newest first); `truncated` says when it hit the cap.
MAX_RAW_FILES_PER_PERIOD = 20_000


class MetricNotRecorded(NotInRecord):
    """The metric has no numeric value for this instrument in the periods asked about."""


def _value_per_raw_file(docs: list[dict[str, Any]], metric: str, settings_name: str | None) -> float | None:
    """The newest value of `metric` among a raw file's metrics documents (newest first)."""
    for doc in docs:
        if settings_name and doc.get("settings_name") != settings_name:
            continue
        value = numeric(doc.get(metric))
        if value is not None:
            return value
    return None


def _summary(points: list[tuple[datetime, str, float]]) -> dict[str, Any]:
    if not points:
        return {"count": 0}
    values = [value for _, _, value in points]
    latest_at, latest_id, latest_value = max(points, key=lambda point: point[0])
    return {
        "count": len(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "latest": {"value": latest_value, "raw_file_id": latest_id, "created_at": latest_at},
    }


def _change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any] | None:
    if not current["count"] or not previous["count"]:
        return None
    delta = current["median"] - previous["median"]
    percent = None if previous["median"] == 0 else 100.0 * delta / abs(previous["median"])
    return {"median_difference": delta, "median_percent_change": percent}


def metric_trend(
    reader: RecordReader,
    instrument_id: str,
    metric: str,
    *,
    period_days: float,
    name_contains: str,
    settings_name: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    metric = alphakraken_name(metric)  # an older name (`ms1_error`) asks for the same series
    period = timedelta(days=period_days)
    bounds = {"current": (now - period, now), "previous": (now - 2 * period, now - period)}
    points: dict[str, list[tuple[datetime, str, float]]] = {}
    truncated = False
    names_seen: set[str] = set()
    for label, (start, end) in bounds.items():
        docs, more = instrument_raw_files(reader, instrument_id, since=start, until=end, name_contains=name_contains,
                                          projection={"created_at": 1}, limit=MAX_RAW_FILES_PER_PERIOD)
        truncated = truncated or more
        metrics = metrics_by_raw_file(reader, (doc["_id"] for doc in docs))
        points[label] = []
        for doc in docs:
            names_seen.update(numeric_metric_names(metrics[doc["_id"]]))
            value = _value_per_raw_file(metrics[doc["_id"]], metric, settings_name)
            if value is not None:
                points[label].append((doc["created_at"], doc["_id"], value))
    if names_seen and not (points["current"] or points["previous"]):
        raise MetricNotRecorded(
            f"metric {metric!r} has no numeric value for instrument {instrument_id!r} in the last "
            f"{2 * period_days:g} days{' for settings ' + repr(settings_name) if settings_name else ''}; "
            f"numeric metrics recorded there: {', '.join(sorted(names_seen))}"
        )
    current, previous = _summary(points["current"]), _summary(points["previous"])
    return {
        "instrument_id": instrument_id,
        "metric": metric,
        "settings_name": settings_name,
        "name_contains": name_contains or None,
        "current_period": {"start": bounds["current"][0], "end": now, **current},
        "previous_period": {"start": bounds["previous"][0], "end": bounds["previous"][1], **previous},
        "change": _change(current, previous),
        "truncated": truncated,
    }
