"""Which quantification settings apply to a raw file.

A `project_settings` assignment links a project to a `settings` document for some `scopes`: `*` (every
instrument) < a vendor (`thermo`, `bruker`, `sciex`) < an instrument id. `excluded_scopes` (instrument ids or
vendors) and an optional `raw_file_id_filter` (any of these substrings in the raw file id) narrow it down.
Per software type only the most specific matching assignments win; several at the same level all run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kraken_core.config.schema import Vendor

ANY_INSTRUMENT = "*"
VENDOR_NAMES = frozenset(v.value for v in Vendor)


@dataclass(frozen=True)
class Assignment:
    settings: dict
    scopes: tuple[str, ...]
    excluded_scopes: tuple[str, ...] = ()
    raw_file_id_filter: tuple[str, ...] = ()

    @classmethod
    def from_docs(cls, assignment: dict, settings: dict) -> Assignment:
        return cls(
            settings=settings,
            scopes=tuple(assignment.get("scopes") or (ANY_INSTRUMENT,)),
            excluded_scopes=tuple(assignment.get("excluded_scopes") or ()),
            raw_file_id_filter=tuple(assignment.get("raw_file_id_filter") or ()),
        )


def scope_specificity(scope: str, instrument_id: str, vendor: str) -> int | None:
    """0 for `*`, 1 for the instrument's vendor, 2 for the instrument itself, None if it does not match."""
    if scope == ANY_INSTRUMENT:
        return 0
    if scope in VENDOR_NAMES:
        return 1 if scope == vendor else None
    return 2 if scope == instrument_id else None


def _specificity(assignment: Assignment, instrument_id: str, vendor: str, raw_file_id: str) -> int | None:
    levels = [scope_specificity(s, instrument_id, vendor) for s in assignment.scopes]
    levels = [level for level in levels if level is not None]
    if not levels:
        return None
    if any(scope_specificity(s, instrument_id, vendor) is not None for s in assignment.excluded_scopes):
        return None
    if assignment.raw_file_id_filter and not any(f in raw_file_id for f in assignment.raw_file_id_filter):
        return None
    return max(levels)


def resolve_settings(
    assignments: Iterable[Assignment], *, instrument_id: str, vendor: str, raw_file_id: str
) -> list[dict]:
    """The active settings to run for this raw file, at most one level of specificity per software type."""
    best: dict[str, tuple[int, list[dict]]] = {}
    for assignment in assignments:
        settings = assignment.settings
        if settings.get("status", "active") != "active":
            continue
        level = _specificity(assignment, instrument_id, vendor, raw_file_id)
        if level is None:
            continue
        software_type = settings.get("software_type", "alphadia")
        current_level, chosen = best.get(software_type, (-1, []))
        if level > current_level:
            best[software_type] = (level, [settings])
        elif level == current_level and all(s["_id"] != settings["_id"] for s in chosen):
            chosen.append(settings)
    return [settings for _, chosen in best.values() for settings in chosen]
