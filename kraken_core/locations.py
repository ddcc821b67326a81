"""Health of a folder the platform reads or writes: present, really mounted, readable, and its free space."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kraken_core.config.schema import LocationConfig


@dataclass(frozen=True)
class LocationHealth:
    path: Path
    ok: bool
    details: str
    free_gb: float | None = None


class LocationUnavailableError(RuntimeError):
    """Nothing is copied to or from a location that fails its health check."""


def check_location(location: LocationConfig, name: str) -> LocationHealth:
    path = location.path
    if not path.is_dir():
        return LocationHealth(path, False, f"{name}: folder {path} does not exist; mount the share or create it")
    if location.mount_check == "mountpoint" and not os.path.ismount(path):
        return LocationHealth(path, False, f"{name}: {path} is not a mount point; the share is not mounted")
    if location.mount_check == "marker" and not (path / location.marker_file).exists():
        return LocationHealth(
            path, False, f"{name}: marker file {location.marker_file} missing in {path}; the share is not mounted"
        )
    if not os.access(path, os.R_OK | os.X_OK):
        return LocationHealth(path, False, f"{name}: folder {path} is not readable by this worker")
    try:
        st = os.statvfs(path)
    except OSError as err:
        return LocationHealth(path, False, f"{name}: cannot read free space of {path}: {err.strerror}")
    free_gb = st.f_bavail * st.f_frsize / 1e9
    return LocationHealth(path, True, "ok", round(free_gb, 3))


def require_location(location: LocationConfig, name: str) -> LocationHealth:
    health = check_location(location, name)
    if not health.ok:
        raise LocationUnavailableError(health.details)
    return health
