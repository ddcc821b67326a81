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
    """The one `_`-separated token of the whole name that is a known project id (case-insensitive), else
    `_FALLBACK`, as AlphaKraken decides (`project_id_handler.get_unique_project_id`): every token counts, also
    after a `.` inside the name (`2024_HeLa_0.5ng_PRJ1_01.raw` is PRJ1); the last token keeps the extension, so
    `x_PRJ1.raw` is not PRJ1 there and not here. Several different matches are ambiguous: `_FALLBACK`.
    """
    by_lower = {p.lower(): p for p in known_project_ids}
    matches = {by_lower[token.lower()] for token in original_name.split("_") if token.lower() in by_lower}
    return matches.pop() if len(matches) == 1 else FALLBACK_PROJECT_ID
