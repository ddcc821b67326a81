"""Free space of an instrument disk. The remover takes the probe as an argument, so any source can stand in."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from kraken_core.config.schema import KrakenConfig
from kraken_core.monitoring.free_space import read_free_space_file

FreeSpaceProbe = Callable[[Path], int]


class FreeSpaceError(RuntimeError):
    """The free space of a folder could not be read; nothing is deleted without knowing it."""


def statvfs_free_bytes(folder: Path) -> int:
    """Bytes available to this worker on the file system of `folder`."""
    try:
        st = os.statvfs(folder)
    except OSError as err:
        raise FreeSpaceError(f"cannot read the free space of {folder}: {err.strerror or err}") from err
    return st.f_bavail * st.f_frsize


def probe_free_bytes(probe: FreeSpaceProbe, folder: Path) -> int:
    """Call `probe` and refuse anything that is not a plausible byte count."""
    try:
        free = probe(folder)
    except FreeSpaceError:
        raise
    except Exception as err:
        raise FreeSpaceError(f"the free-space probe failed for {folder}: {err}") from err
    if not isinstance(free, int) or isinstance(free, bool) or free < 0:
        raise FreeSpaceError(f"the free-space probe returned {free!r} for {folder}, not a byte count")
    return free


def demo_free_space_probe(config: KrakenConfig) -> FreeSpaceProbe:
    """Free space as `monitoring.free_space_file` states it for an instrument (in GB), else as measured.

    For demos and report-only runs: the file shows a nearly full disk on a machine whose disks are large, so the
    remover's report matches the monitoring alert. Destructive runs never use it; they measure the disk.
    """
    names = {config.instrument_folder(instrument_id): instrument_id for instrument_id in config.instruments}

    def probe(folder: Path) -> int:
        stated = read_free_space_file(config.monitoring.free_space_file).get(names.get(folder, ""))
        return statvfs_free_bytes(folder) if stated is None else round(stated * 1e9)

    return probe
