"""Path rules for names that come from people at instruments: nothing escapes its folder."""

from __future__ import annotations

import os
from pathlib import Path


class UnsafePathError(ValueError):
    """A name or relative path would leave its folder or follow a link."""


def check_plain_name(name: str, what: str = "file name") -> str:
    """Accept a single path component: no separators, no '.', '..', NUL or empty names."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name:
        raise UnsafePathError(f"refusing {what} {name!r}: it must be a single name inside its folder")
    return name


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
