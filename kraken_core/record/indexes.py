"""Indexes for every query the product makes; `ensure_indexes` is idempotent and runs at start-up."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

INDEXES: dict[str, list[IndexModel]] = {
    "raw_file": [
        # watcher: which of these names are known
        IndexModel([("original_name", ASCENDING)], name="original_name"),
        # monitoring and views: files of an instrument by status and by recency
        IndexModel([("instrument_id", ASCENDING), ("status", ASCENDING)], name="instrument_status"),
        IndexModel([("instrument_id", ASCENDING), ("created_at", DESCENDING)], name="instrument_created_at"),
        # monitoring: names reused since the last evaluation
        IndexModel([("instrument_id", ASCENDING), ("created_at_", DESCENDING)], name="instrument_registered_at"),
        IndexModel([("status", ASCENDING), ("updated_at_", DESCENDING)], name="status_updated_at"),
        IndexModel([("created_at", DESCENDING)], name="created_at"),
        IndexModel([("project_id", ASCENDING), ("created_at", DESCENDING)], name="project_created_at"),
        IndexModel([("backup_status", ASCENDING), ("updated_at_", DESCENDING)], name="backup_status_updated_at"),
        # REST API: raw files of one status, newest first
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING)], name="status_created_at"),
    ],
    "metrics": [
        IndexModel([("raw_file", ASCENDING), ("created_at_", DESCENDING)], name="raw_file_created_at"),
        # companion trends and overview: metrics of the raw files quantified since a time
        IndexModel([("created_at_", DESCENDING)], name="created_at"),
    ],
    "project_settings": [
        IndexModel([("project", ASCENDING)], name="project"),
    ],
    "settings": [
        IndexModel([("name", ASCENDING), ("version", DESCENDING)], name="name_version"),
    ],
}


def declared_indexes() -> dict[str, list[IndexModel]]:
    """Every index of the record, per collection: these here and those declared beside their collection's code."""
    from kraken_core.record.accounts import ACCOUNT_INDEXES
    from kraken_core.record.annotations import ANNOTATION_INDEXES
    from kraken_core.record.lifecycle_log import LIFECYCLE_INDEXES
    from kraken_core.record.qc_series import QC_POINT_INDEXES

    merged: dict[str, list[IndexModel]] = {}
    for indexes in (INDEXES, LIFECYCLE_INDEXES, ACCOUNT_INDEXES, ANNOTATION_INDEXES, QC_POINT_INDEXES):
        for collection, models in indexes.items():
            merged.setdefault(collection, []).extend(models)
    return merged


def ensure_indexes(db: Database) -> None:
    for collection, models in declared_indexes().items():
        db[collection].create_indexes(models)
