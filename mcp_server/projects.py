"""Projects, their settings assignments, and the settings resolved per instrument (by the platform's own rules,
`kraken_core.settings_resolution`, the same the quantification uses)."""

from __future__ import annotations

from typing import Any

from kraken_core.record.settings_catalog import settings_view
from kraken_core.settings_resolution import assignment_view, resolve_settings
from mcp_server.errors import NotInRecord
from mcp_server.record_reader import RecordReader

SETTINGS_FIELDS = ("name", "version", "status", "software_type", "software", "fasta_file_name", "speclib_file_name",
                   "config_file_name", "config_params", "description", "job_engine", "metrics_type")
ASSIGNMENT_FIELDS = ("scopes", "excluded_scopes", "raw_file_id_filter", "raw_file_id_exclude_filter")


class UnknownProject(NotInRecord):
    """No project with this id."""


def _settings_view(settings: dict[str, Any] | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    return {"settings_id": settings["_id"], **{f: settings.get(f) for f in SETTINGS_FIELDS if f in settings}}


def list_projects(
    reader: RecordReader, instrument_types: dict[str, str | None], *, project_id: str | None, limit: int
) -> dict[str, Any]:
    """Projects with their assignments and, per known instrument, the settings that apply to new raw files."""
    projects = reader.find("project", {"_id": project_id} if project_id else {}, sort=[("_id", 1)], limit=limit + 1)
    if project_id and not projects:
        known = [p["_id"] for p in reader.find("project", {}, projection={"_id": 1}, sort=[("_id", 1)], limit=200)]
        raise UnknownProject(f"unknown project {project_id!r}; known projects: {', '.join(known) or '(none)'}")
    more, projects = len(projects) > limit, projects[:limit]
    assignments = [assignment_view(a) for a in reader.find(
        "project_settings", {"project": {"$in": [p["_id"] for p in projects]}}, sort=[("created_at_", 1)])]
    settings_ids = sorted({a["settings"] for a in assignments if a.get("settings") is not None}, key=str)
    settings_by_id = {s["_id"]: settings_view(s) for s in reader.find("settings", {"_id": {"$in": settings_ids}})}
    answer = []
    for project in projects:
        mine = [a for a in assignments if a.get("project") == project["_id"]]
        answer.append({
            "project_id": project["_id"],
            "name": project.get("name"),
            "description": project.get("description"),
            "status": project.get("status"),
            "assignments": [
                {**{f: a.get(f) for f in ASSIGNMENT_FIELDS},
                 "settings": _settings_view(settings_by_id.get(a.get("settings")))}
                for a in mine
            ],
            "resolved_settings_per_instrument": {
                instrument_id: [
                    f"{item.settings.get('name')} v{item.settings.get('version')}"
                    for item in resolve_settings(mine, settings_by_id, instrument_id=instrument_id, vendor=vendor)
                ]
                for instrument_id, vendor in sorted(instrument_types.items())
            },
        })
    return {"count": len(answer), "more_available": more, "projects": answer}
