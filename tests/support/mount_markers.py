"""`production: true` needs a mount check on every folder; on plain test folders that is a marker file."""

from __future__ import annotations

from pathlib import Path

MARKER = ".alphakraken_mounted"


def marked_as_mounted(data: dict, mounts: Path) -> dict:
    """The configuration `data` with `mount_check: marker` on every location and instrument, and the marker files
    written into their folders (`${MOUNTS_PATH}` in a path stands for `mounts`)."""
    locations = {name: {**location, "mount_check": "marker"} for name, location in data["locations"].items()}
    instruments = {name: {**instrument, "mount_check": "marker"} for name, instrument in data["instruments"].items()}
    folders = [Path(location["path"].replace("${MOUNTS_PATH}", str(mounts))) for location in locations.values()]
    instruments_folder = folders[list(locations).index("instruments")]
    folders += [instruments_folder / name for name in instruments]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).touch()
    return {**data, "locations": locations, "instruments": instruments}
