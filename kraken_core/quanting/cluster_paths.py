"""The same folder seen by the workers (`path`) and by the cluster (`absolute_path`)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from kraken_core.config.schema import KrakenConfig, LocationConfig


class QuantingConfigError(ValueError):
    """Quantification is enabled but a location it needs is not configured."""


def location(config: KrakenConfig, name: str) -> LocationConfig:
    loc = getattr(config.locations, name, None)
    if loc is None:
        raise QuantingConfigError(
            f"locations.{name} is not configured; quantification needs the {name} folder "
            f"(`path` as the workers see it, `absolute_path` as the cluster sees it)"
        )
    return loc


def cluster_path(config: KrakenConfig, name: str, worker_path: Path) -> PurePosixPath:
    """Translate a path under location `name` from the workers' view to the cluster's view."""
    loc = location(config, name)
    relative = worker_path.relative_to(loc.path)
    return PurePosixPath(loc.absolute_path or loc.path) / relative.as_posix()
