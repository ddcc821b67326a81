"""Which quantification settings apply to a project's raw files, per instrument (read-only).

AlphaKraken's rules: an assignment in `project_settings` applies when one of its `scopes` matches the
instrument (`*` matches all, a vendor name matches that vendor's instruments, otherwise the instrument id),
none of its `excluded_scopes` matches, and, for a given raw file, its id contains one of
`raw_file_id_filter` (empty means all) and none of `raw_file_id_exclude_filter`. Every matching assignment
applies; a settings document is listed once.
"""

from __future__ import annotations

from typing import Any

from kraken_core.config.schema import Vendor

ALL_SCOPE = "*"
VENDOR_NAMES = frozenset(str(vendor) for vendor in Vendor)


def _scopes_match(scopes: list[str] | None, instrument_id: str, instrument_type: str | None) -> bool:
    for scope in scopes or []:
        if scope == ALL_SCOPE or scope == instrument_id or (scope in VENDOR_NAMES and scope == instrument_type):
            return True
    return False


def assignment_applies(
    assignment: dict[str, Any], instrument_id: str, instrument_type: str | None, raw_file_id: str | None = None
) -> bool:
    if not _scopes_match(assignment.get("scopes", [ALL_SCOPE]), instrument_id, instrument_type):
        return False
    if _scopes_match(assignment.get("excluded_scopes"), instrument_id, instrument_type):
        return False
    if raw_file_id is not None:
        include = assignment.get("raw_file_id_filter") or []
        exclude = assignment.get("raw_file_id_exclude_filter") or []
        if include and not any(part in raw_file_id for part in include):
            return False
        if any(part in raw_file_id for part in exclude):
            return False
    return True


def resolve_settings(
    assignments: list[dict[str, Any]],
    instrument_id: str,
    instrument_type: str | None,
    raw_file_id: str | None = None,
) -> list[dict[str, Any]]:
    """The settings (each assignment's `settings` document) that apply, first occurrence kept."""
    resolved, seen = [], set()
    for assignment in assignments:
        settings = assignment.get("settings")
        if settings is None or not assignment_applies(assignment, instrument_id, instrument_type, raw_file_id):
            continue
        key = (settings.get("name"), settings.get("version"))
        if key not in seen:
            seen.add(key)
            resolved.append(settings)
    return resolved
