"""Which quantification settings apply to a raw file of a project on an instrument.

An assignment (`project_settings` document, AlphaKraken's shape: `project`, `settings`, `scope`, `excluded`,
`raw_file_id_filter`) applies when its `scope` matches the instrument (`*` all instruments, a vendor name that
vendor's instruments, otherwise an instrument id), the instrument is not in `excluded`, and, for a given raw
file, its id contains `raw_file_id_filter` (empty: all files) and none of `raw_file_id_exclude_filter` (an
addition of this platform, which AlphaKraken ignores). Per software type, only the assignments of the most
specific matching scope level win (`*` < vendor < instrument); several winners at that level run as parallel
jobs. Inactive settings never apply. With no raw file id (the preview), the file-name filters are not applied.

Assignments written by this platform before the switch to AlphaKraken's shape (`project_id`, `scopes`,
`excluded_scopes`, list filters) read the same through `assignment_view`; `python -m kraken_core.record.migrate`
rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kraken_core.config.schema import Vendor
from kraken_core.quanting.software import software_type

ALL_SCOPE = "*"
INACTIVE_STATUSES = frozenset({"inactive", "archived"})  # `archived`: this platform's name before the switch
VENDOR_NAMES = frozenset(str(vendor) for vendor in Vendor)
SCOPE_LEVELS = {"all": 0, "vendor": 1, "instrument": 2}


def scope_level(scope: str, instrument_id: str, vendor: str | None) -> int | None:
    """How specifically `scope` names this instrument (0 all, 1 vendor, 2 instrument), or None if it doesn't."""
    if scope == ALL_SCOPE:
        return SCOPE_LEVELS["all"]
    if scope in VENDOR_NAMES:
        return SCOPE_LEVELS["vendor"] if scope == vendor else None
    return SCOPE_LEVELS["instrument"] if scope == instrument_id else None


def _best_level(scopes: Iterable[str], instrument_id: str, vendor: str | None) -> int | None:
    levels = [level for s in scopes if (level := scope_level(s, instrument_id, vendor)) is not None]
    return max(levels, default=None)


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value if v]


def assignment_view(assignment: Mapping[str, Any]) -> dict[str, Any]:
    """An assignment in either shape, with list views (`scopes`, `excluded_scopes`, filters) for reading.

    AlphaKraken's fields win; this platform's older `scopes` / `excluded_scopes` / `project_id` fill in what
    AlphaKraken's lack. Only for reading: never write a view back.
    """
    view = dict(assignment)
    scope = assignment.get("scope")
    view["scopes"] = [scope] if scope else (_as_list(assignment.get("scopes")) or [ALL_SCOPE])
    view["excluded_scopes"] = sorted(set(_as_list(assignment.get("excluded")))
                                     | set(_as_list(assignment.get("excluded_scopes"))))
    view["project"] = assignment.get("project") or assignment.get("project_id")
    view["raw_file_id_filter"] = _as_list(assignment.get("raw_file_id_filter"))
    view["raw_file_id_exclude_filter"] = _as_list(assignment.get("raw_file_id_exclude_filter"))
    return view


def is_inactive(settings: Mapping[str, Any]) -> bool:
    return settings.get("status") in INACTIVE_STATUSES


def file_name_matches(assignment: Mapping[str, Any], raw_file_id: str | None) -> bool:
    if raw_file_id is None:
        return True
    include = _as_list(assignment.get("raw_file_id_filter"))
    exclude = _as_list(assignment.get("raw_file_id_exclude_filter"))
    if include and not any(part in raw_file_id for part in include):
        return False
    return not any(part in raw_file_id for part in exclude)


@dataclass(frozen=True)
class ResolvedSettings:
    settings: dict[str, Any]
    assignment: dict[str, Any]
    level: int


def resolve_settings(
    assignments: Iterable[Mapping[str, Any]],
    settings_by_id: Mapping[Any, Mapping[str, Any]],
    *,
    instrument_id: str,
    vendor: str | None,
    raw_file_id: str | None = None,
) -> list[ResolvedSettings]:
    """The settings that apply, per software type the most specific scope level only; oldest assignment first."""
    candidates: list[ResolvedSettings] = []
    for raw in assignments:
        assignment = assignment_view(raw)
        settings = settings_by_id.get(assignment.get("settings"))
        if settings is None or is_inactive(settings):
            continue
        level = _best_level(assignment["scopes"], instrument_id, vendor)
        if level is None or _best_level(assignment["excluded_scopes"], instrument_id, vendor) is not None:
            continue
        if not file_name_matches(assignment, raw_file_id):
            continue
        candidates.append(ResolvedSettings(dict(settings), dict(assignment), level))
    best: dict[str, int] = {}
    for item in candidates:
        software = software_type(item.settings)
        best[software] = max(best.get(software, -1), item.level)
    resolved, seen = [], set()
    for item in candidates:
        if item.level == best[software_type(item.settings)] and item.settings.get("_id") not in seen:
            seen.add(item.settings.get("_id"))
            resolved.append(item)
    return resolved
