"""Raw file ids and project ids, derived from the file names people give at the instruments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

FALLBACK_PROJECT_ID = "_FALLBACK"


def collision_prefix(now: datetime) -> str:
    """`YYYYmmdd-HHMMSS-ffffff-`: makes the id unique when a name is already taken by another file."""
    return now.strftime("%Y%m%d-%H%M%S-%f-")


def raw_file_id(original_name: str, prefix: str | None) -> str:
    return f"{prefix}{original_name}" if prefix else original_name


def project_id_for(original_name: str, known_project_ids: Iterable[str]) -> str:
    """The one `_`-separated token of the name that is a known project id (case-insensitive), else `_FALLBACK`.

    When several tokens match different projects the name is ambiguous and goes to `_FALLBACK`.
    """
    by_lower = {p.lower(): p for p in known_project_ids}
    stem = original_name.split(".", 1)[0]
    matches = {by_lower[token.lower()] for token in stem.split("_") if token.lower() in by_lower}
    return matches.pop() if len(matches) == 1 else FALLBACK_PROJECT_ID
