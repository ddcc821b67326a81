"""The settings documents that apply to one raw file, read from the record and resolved by scope."""

from __future__ import annotations

from pymongo.database import Database

from kraken_core.config.schema import KrakenConfig
from kraken_core.record.settings_catalog import project_assignments, settings_versions
from kraken_core.settings_resolution import resolve_settings


def settings_for_raw_file(db: Database, config: KrakenConfig, doc: dict) -> list[dict]:
    """Two queries: the project's assignments, then their settings versions."""
    assignments = project_assignments(db, [doc.get("project_id")])
    ids = list({a.get("settings") for a in assignments})
    settings_by_id = {s["_id"]: s for s in settings_versions(db, ids)}
    instrument = config.instruments.get(doc["instrument_id"])
    resolved = resolve_settings(
        assignments, settings_by_id, instrument_id=doc["instrument_id"],
        vendor=instrument.type.value if instrument else None, raw_file_id=doc["_id"],
    )
    return [item.settings for item in resolved]
