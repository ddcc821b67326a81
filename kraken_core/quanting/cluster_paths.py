"""The same folder seen by the workers (`path`) and by the cluster (`absolute_path`). With the local engine the
jobs run on the worker, so the cluster's view is the worker's and `absolute_path` is not used."""

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


def cluster_root(config: KrakenConfig, name: str) -> PurePosixPath:
    """Location `name` as the jobs see it: `absolute_path` on a Slurm cluster, the workers' `path` locally."""
    loc = location(config, name)
    if config.quanting.engine == "local":
        return PurePosixPath(loc.path)
    return PurePosixPath(loc.absolute_path or loc.path)


def cluster_path(config: KrakenConfig, name: str, worker_path: Path) -> PurePosixPath:
    """Translate a path under location `name` from the workers' view to the cluster's view."""
    relative = worker_path.relative_to(location(config, name).path)
    return cluster_root(config, name) / relative.as_posix()
