"""Links between the Dagster UI and the companion app, and whether Dagster has the page; no Dagster import."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from kraken_core.record.raw_file_steps import Step, step_entry
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import TERMINAL_STATUSES, RawFileStatus


def dagster_partition_url(webserver_base_url: str, raw_file_id: str, asset: str = "raw_file") -> str:
    """The Dagster UI page of one raw file's partition of `asset`."""
    query = urlencode({"view": "partitions", "partition": raw_file_id}, quote_via=quote)  # spaces as %20, as the UI writes
    return f"{webserver_base_url.rstrip('/')}/assets/{quote(asset)}?{query}"


def companion_raw_file_url(companion_base_url: str, raw_file_id: str) -> str:
    """The companion app's page of one raw file (record, files, metrics)."""
    return f"{companion_base_url.rstrip('/')}/raw_files/{quote(raw_file_id, safe='')}"


def partition_absence(doc: dict[str, Any], now: datetime, retire_after_days: float | None) -> str | None:
    """Why a raw file has no `raw_files` partition in Dagster, or None when it has one.

    The Dagster UI opens an unknown partition key on the asset's first partition, another raw file, so a link is
    offered only where the partition exists: it is added when the watcher finishes the acquisition (recorded as the
    step `acquisition_finished`), never for ignored files, and partitions of old final files may be retired.
    """
    status = doc.get("status")
    finished_once = step_entry(doc, Step.ACQUISITION_FINISHED) is not None
    if status == RawFileStatus.IGNORED and not finished_once:
        return "not in Dagster: ignored raw files get no partition"
    if status in (RawFileStatus.QUEUED_FOR_MONITORING, RawFileStatus.MONITORING_ACQUISITION) and not finished_once:
        return "not yet in Dagster: its partition is added when the acquisition finishes"
    if status == RawFileStatus.ACQUISITION_FAILED and not finished_once and doc.get("size") is None:
        return "not in Dagster: the files disappeared before the acquisition finished"
    updated = record_datetime(doc.get("updated_at_"))
    if (retire_after_days is not None and status in TERMINAL_STATUSES and updated is not None
            and updated < now - timedelta(days=retire_after_days)):
        return (f"its partition may be retired (final and unchanged for over {retire_after_days:g} days); "
                f"its runs stay in Dagster")
    return None
