"""`project`, `settings` and `project_settings` documents: what to quantify with, for which files."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.database import Database

from kraken_core.quanting.settings_resolution import ANY_INSTRUMENT, Assignment

SoftwareType = Literal["alphadia", "custom"]


def add_project(db: Database, project_id: str, name: str, description: str = "") -> None:
    now = datetime.now(UTC)
    db.project.update_one(
        {"_id": project_id},
        {"$set": {"name": name, "description": description, "status": "active"}, "$setOnInsert": {"created_at_": now}},
        upsert=True,
    )


def add_settings(
    db: Database,
    name: str,
    *,
    software: str,
    software_type: SoftwareType = "alphadia",
    config_file_name: str = "",
    fasta_file_name: str = "",
    speclib_file_name: str = "",
    config_params: str = "",
    metrics_type: str = "alphadia",
    slurm_cpus_per_task: int = 8,
    slurm_mem: str = "62G",
    slurm_time: str = "02:00:00",
    num_threads: int = 8,
    description: str = "",
) -> dict[str, Any]:
    """Insert a new version of the settings `name` (1 + the highest existing version)."""
    latest = db.settings.find_one({"name": name}, {"version": 1}, sort=[("version", DESCENDING)])
    doc = {
        "_id": ObjectId(),
        "name": name,
        "version": (latest["version"] + 1) if latest else 1,
        "software": software,
        "software_type": software_type,
        "config_file_name": config_file_name,
        "fasta_file_name": fasta_file_name,
        "speclib_file_name": speclib_file_name,
        "config_params": config_params,
        "metrics_type": metrics_type,
        "slurm_cpus_per_task": slurm_cpus_per_task,
        "slurm_mem": slurm_mem,
        "slurm_time": slurm_time,
        "num_threads": num_threads,
        "description": description,
        "status": "active",
        "created_at_": datetime.now(UTC),
    }
    db.settings.insert_one(doc)
    return doc


def assign_settings(
    db: Database,
    project_id: str,
    settings_id: ObjectId,
    *,
    scopes: list[str] | None = None,
    excluded_scopes: list[str] | None = None,
    raw_file_id_filter: list[str] | None = None,
) -> None:
    db.project_settings.insert_one(
        {
            "project_id": project_id,
            "settings_id": settings_id,
            "scopes": scopes or [ANY_INSTRUMENT],
            "excluded_scopes": excluded_scopes or [],
            "raw_file_id_filter": raw_file_id_filter or [],
            "created_at_": datetime.now(UTC),
        }
    )


def load_assignments(db: Database, project_id: str) -> list[Assignment]:
    """The project's assignments with their settings documents (two queries)."""
    links = list(db.project_settings.find({"project_id": project_id}))
    ids = list({link["settings_id"] for link in links})
    settings = {doc["_id"]: doc for doc in db.settings.find({"_id": {"$in": ids}})} if ids else {}
    return [Assignment.from_docs(link, settings[link["settings_id"]]) for link in links if link["settings_id"] in settings]
