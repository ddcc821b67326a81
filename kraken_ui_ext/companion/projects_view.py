"""The projects a lab has: the record's `project` collection and the configuration's `project_ids`.

The watcher matches raw file names against both, so a project named only in the YAML is as real as one created
in the companion; it is listed with a note that it has no `project` document (no name or description yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CONFIGURED_NOTE = "from the configuration (project_ids); not in the record's project collection"


def with_configured_projects(recorded: list[dict[str, Any]], configured: Iterable[str]) -> list[dict[str, Any]]:
    """The recorded project documents and one entry per configured id without a document, sorted by id."""
    known = {str(p["_id"]) for p in recorded}
    extra = [{"_id": p, "name": "", "description": CONFIGURED_NOTE, "configured": True}
             for p in dict.fromkeys(configured) if p not in known]
    return sorted([*recorded, *extra], key=lambda p: str(p["_id"]))
