"""Rotating slots for record dumps: `hourly/HH` (one per hour of the day) and `weekday/N-Day` (one per weekday).

Each dump overwrites its slot, so a backup folder never holds more than 24 + 7 dumps and always the last day's
hours and the last week's days.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pymongo.database import Database

from kraken_core.record.dump import DumpSummary, RestoreError, copy_dump, dump_record, read_manifest


def hourly_slot(root: Path, when: datetime) -> Path:
    return root / "hourly" / f"{when:%H}"


def weekday_slot(root: Path, when: datetime) -> Path:
    return root / "weekday" / f"{when:%u-%a}"


def dump_into_slots(db: Database, root: Path, when: datetime, weekday_hour: int) -> tuple[DumpSummary, list[Path]]:
    """Dump into this hour's slot and, at `weekday_hour`, copy the dump into this weekday's slot as well."""
    summary = dump_record(db, hourly_slot(root, when))
    written = [summary.path]
    if when.hour == weekday_hour:
        copy_dump(summary.path, weekday_slot(root, when))
        written.append(weekday_slot(root, when))
    return summary, written


def list_dumps(root: Path) -> list[tuple[Path, dict]]:
    """Complete dumps under `root`, newest first."""
    found = []
    for folder in [*root.glob("hourly/*"), *root.glob("weekday/*")]:
        if folder.name.startswith("."):
            continue
        try:
            found.append((folder, read_manifest(folder)))
        except RestoreError:
            continue
    return sorted(found, key=lambda item: item[1]["created_at"], reverse=True)
