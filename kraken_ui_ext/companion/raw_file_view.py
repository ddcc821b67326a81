"""What the raw-file page and the overview's Dagster column show of one raw file: readable facts, the timeline,
and links into Dagster only where Dagster has the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from kraken_core.numbers import human_size
from kraken_core.record.raw_file_steps import STEPS_FIELD, Step, acquisition_finished_ids
from kraken_core.record.timestamps import record_datetime
from kraken_core.statuses import RawFileStatus
from kraken_ui_ext.companion.settings import CompanionSettings
from kraken_ui_ext.companion.timeline import TimelineContext, backup_path, build_timeline, stability_rule
from kraken_ui_ext.labels import field_label, value_label
from kraken_ui_ext.links import dagster_partition_url, partition_absence

FACT_FIELDS = ("original_name", "instrument_id", "project_id", "size", "backup_status", "backup_path",
               "s3_upload_path", "instrument_file_status", "collision_flag", "created_at", "created_at_", "updated_at_")
# statuses whose partition can only be known from the record's steps, which the overview does not read
UNSURE = {str(RawFileStatus.QUEUED_FOR_MONITORING), str(RawFileStatus.MONITORING_ACQUISITION),
          str(RawFileStatus.ACQUISITION_FAILED)}


@dataclass(frozen=True)
class PartitionLink:
    url: str | None  # the raw_file partition page, or None when Dagster has no partition for it
    absent: str | None  # why not, for the person reading


def format_time(value: Any) -> str:
    """A record time in UTC, labelled: `2026-11-30 19:56:18 UTC`; '' when absent."""
    moment = record_datetime(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def partition_link(doc: dict[str, Any], settings: CompanionSettings, now: datetime) -> PartitionLink:
    absent = partition_absence(doc, now, settings.retire_after_days)
    if absent is not None:
        return PartitionLink(None, absent)
    return PartitionLink(dagster_partition_url(settings.webserver_base_url, doc["_id"]), None)


def partition_links(db: Database, docs: Iterable[dict[str, Any]], settings: CompanionSettings,
                    now: datetime) -> dict[str, PartitionLink]:
    """The partition link of each raw file of an overview page (documents read without their steps)."""
    docs = list(docs)
    finished = acquisition_finished_ids(db, [d["_id"] for d in docs if STEPS_FIELD not in d and d.get("status") in UNSURE])
    marked = {STEPS_FIELD: {str(Step.ACQUISITION_FINISHED): {"at": None, "run_id": None}}}
    return {d["_id"]: partition_link({**d, **marked} if d["_id"] in finished else d, settings, now) for d in docs}


def record_facts(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, shown value, stored value for a tooltip) of the record fields people look up, in reading order."""
    rows = []
    for field in FACT_FIELDS:
        stored = backup_path(doc) if field == "backup_path" else doc.get(field)
        if stored is None and field in ("backup_path", "s3_upload_path", "collision_flag"):
            continue
        if field == "size":
            shown, raw = human_size(stored), (f"{stored:,} bytes" if isinstance(stored, int) else "")
        elif field.endswith(("_at", "_at_")):
            shown, raw = format_time(stored), ""
        else:
            label = value_label(field, stored)
            shown, raw = (label, f"{field}: {stored}") if label else ("" if stored is None else str(stored), "")
        rows.append((field_label(field), shown, raw))
    return rows


def raw_file_page_context(doc: dict[str, Any], metrics: list[dict[str, Any]], settings: CompanionSettings,
                          now: datetime) -> dict[str, Any]:
    """Everything the raw-file page shows beyond its metrics: facts, timeline, Dagster links, the finishing rule."""
    link = partition_link(doc, settings, now)
    context = TimelineContext(settings.webserver_base_url, settings.size_stable_window_s, settings.s3_enabled,
                              link.absent)
    return {
        "facts": record_facts(doc),
        "field_label": field_label,
        "timeline": build_timeline(doc, metrics, context),
        "partition_url": link.url,
        "partition_absent": link.absent,
        "backup_url": dagster_partition_url(settings.webserver_base_url, doc["_id"], "raw_file_backup")
        if link.url else None,
        "finishing_rule": stability_rule(settings.size_stable_window_s)
        if doc.get("status") == RawFileStatus.MONITORING_ACQUISITION else "",
    }
