"""Path rules for names that come from people at instruments: nothing escapes its folder."""

from __future__ import annotations

import os
from pathlib import Path


class UnsafePathError(ValueError):
    """A name or relative path would leave its folder or follow a link."""


# Characters a name may not contain: the path separators of Linux and Windows, and NUL. Nor may it be '.', '..' or
# empty. Listed in docs/pipeline.md ("Bad input and what happens").
REFUSED_CHARACTERS = {"/": "a slash (/)", "\\": "a backslash (\\)", "\x00": "a NUL character"}
RULE = "names may not contain a slash (/), a backslash (\\) or a NUL character, nor be '.', '..' or empty"
# what to do, for names that people choose outside the configuration (other callers say it themselves)
FIXES = {
    "raw file name": "rename the file on the instrument PC; the watcher registers it under the new name as a new "
    "raw file",
}


def check_plain_name(name: str, what: str = "file name") -> str:
    """Accept a single path component: no separators, no '.', '..', NUL or empty names."""
    if not name:
        problem = "it is empty"
    elif name in {".", ".."}:
        problem = f"{name!r} means a folder, not a file"
    else:
        found = [label for char, label in REFUSED_CHARACTERS.items() if char in name]
        if not found:
            return name
        problem = f"it contains {' and '.join(found)}"
    fix = f"; {FIXES[what]}" if what in FIXES else ""
    raise UnsafePathError(
        f"refusing {what} {name!r}: {problem}; it must be a single name inside its folder ({RULE}){fix}"
    )


def safe_join(base: Path, relative: str | os.PathLike) -> Path:
    """Join `relative` below `base`, refusing absolute paths, '..' parts and anything that resolves outside."""
    rel = Path(relative)
    if rel.is_absolute() or any(part in {"..", ""} for part in rel.parts) or "\x00" in str(rel):
        raise UnsafePathError(f"refusing path {str(relative)!r}: it must stay inside {base}")
    joined = base / rel
    base_resolved = base.resolve()
    parent_resolved = joined.parent.resolve()
    if parent_resolved != base_resolved and base_resolved not in parent_resolved.parents:
        raise UnsafePathError(f"refusing path {str(relative)!r}: it resolves outside {base} (a link?)")
    return joined
