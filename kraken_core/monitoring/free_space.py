"""Free space of a location: measured on disk, unless a free-space file names a value for it.

The free-space file (`monitoring.free_space_file`, YAML `location: GB`) lets a demo or a test show a nearly full
disk on a machine whose real disks are large. It is read at every evaluation, so editing it takes effect at once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

# the name of the worker's own disk in the free-space file and in alerts
LOCAL_DISK = "worker"


class FreeSpaceFileError(ValueError):
    """The free-space file exists but does not map location names to numbers."""


def read_free_space_file(path: Path | None) -> dict[str, float]:
    if path is None or not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise FreeSpaceFileError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise FreeSpaceFileError(f"{path}: expected `location: free GB` lines")
    values: dict[str, float] = {}
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FreeSpaceFileError(f"{path}: {name}: expected a number of GB, got {value!r}")
        values[str(name)] = float(value)
    return values


def free_space_gb(measured_gb: float | None, name: str, free_space_file: Path | None) -> float | None:
    """The free-space file's value for `name` if it has one, else what the disk reported."""
    return read_free_space_file(free_space_file).get(name, measured_gb)


def local_disk_free_gb(path: Path, free_space_file: Path | None) -> float:
    """Free GB of the worker's local disk at `path` (`monitoring.local_disk_path`), or the free-space file's value
    for `worker`. An unreadable path raises OSError."""
    stated = read_free_space_file(free_space_file).get(LOCAL_DISK)
    return stated if stated is not None else shutil.disk_usage(path).free / 1e9
