"""Projects, their settings assignments, and the settings resolved per instrument."""

from __future__ import annotations

from typing import Any

from mcp_server.record_reader import RecordReader
from mcp_server.settings_resolver import resolve_settings

SETTINGS_FIELDS = ("name", "version", "software_type", "software", "fasta_file_name", "speclib_file_name",
                   "config_file_name", "config_params", "status", "description")
ASSIGNMENT_FIELDS = ("scopes", "excluded_scopes", "raw_file_id_filter", "raw_file_id_exclude_filter")


class UnknownProject(LookupError):
    """No project with this id."""


def _settings_view(settings: dict[str, Any] | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    return {"settings_id": settings["_id"], **{f: settings.get(f) for f in SETTINGS_FIELDS if f in settings}}


def _assignments(reader: RecordReader, project_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each project's assignments, oldest first, each with its settings document under `settings`.

    An assignment names its project as `project_id` (or AlphaKraken's `project`) and its settings by
    `settings` (the settings document's id) or by `settings_name` + `settings_version`.
    """
    docs = reader.find(
        "project_settings",
        {"$or": [{"project_id": {"$in": project_ids}}, {"project": {"$in": project_ids}}]},
        sort=[("created_at_", 1)],
    )
    settings_ids = [doc["settings"] for doc in docs if doc.get("settings") is not None]
    names = sorted({doc["settings_name"] for doc in docs if doc.get("settings_name")})
    settings_docs = reader.find("settings", {"$or": [{"_id": {"$in": settings_ids}}, {"name": {"$in": names}}]})
    by_id = {s["_id"]: s for s in settings_docs}
    by_name: dict[str, list[dict[str, Any]]] = {}
    for settings in sorted(settings_docs, key=lambda s: s.get("version") or 0, reverse=True):
        by_name.setdefault(settings.get("name"), []).append(settings)
    result: dict[str, list[dict[str, Any]]] = {pid: [] for pid in project_ids}
    for doc in docs:
        if doc.get("settings") is not None:
            settings = by_id.get(doc["settings"])
        else:
            candidates = by_name.get(doc.get("settings_name"), [])
            version = doc.get("settings_version")
            settings = next((s for s in candidates if version is None or s.get("version") == version), None)
        result.setdefault(doc.get("project_id") or doc.get("project"), []).append({**doc, "settings": settings})
    return result


def list_projects(
    reader: RecordReader,
    instrument_types: dict[str, str | None],
    *,
    project_id: str | None,
    limit: int,
) -> dict[str, Any]:
    """Projects with their assignments and, per known instrument, the settings that apply to new raw files."""
    query = {"_id": project_id} if project_id else {}
    projects = reader.find("project", query, sort=[("_id", 1)], limit=limit + 1)
    if project_id and not projects:
        known = [p["_id"] for p in reader.find("project", {}, projection={"_id": 1}, sort=[("_id", 1)], limit=200)]
        raise UnknownProject(f"unknown project {project_id!r}; known projects: {', '.join(known) or '(none)'}")
    more = len(projects) > limit
    projects = projects[:limit]
    assignments = _assignments(reader, [p["_id"] for p in projects])
    answer = []
    for project in projects:
        mine = assignments.get(project["_id"], [])
        answer.append(
            {
                "project_id": project["_id"],
                "name": project.get("name"),
                "description": project.get("description"),
                "status": project.get("status"),
                "assignments": [
                    {**{f: a.get(f) for f in ASSIGNMENT_FIELDS}, "settings": _settings_view(a["settings"])}
                    for a in mine
                ],
                "resolved_settings_per_instrument": {
                    instrument_id: [
                        f"{s.get('name')} v{s.get('version')}" for s in resolve_settings(mine, instrument_id, itype)
                    ]
                    for instrument_id, itype in sorted(instrument_types.items())
                },
            }
        )
    return {"count": len(answer), "more_available": more, "projects": answer}
