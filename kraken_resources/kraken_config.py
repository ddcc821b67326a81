"""The validated `envs/alphakraken.${ENV}.yaml`, as a resource every asset and sensor can ask for."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import dagster as dg

from kraken_core.config import KrakenConfig, load_config


@cache
def _load(env: str, config_file: str | None) -> KrakenConfig:
    return load_config(env, Path(config_file) if config_file else None)


class KrakenConfigResource(dg.ConfigurableResource):
    """Which environment's configuration to use (`local`, `sandbox`, `production`, `test`).

    `config_file` replaces `envs/alphakraken.${ENV}.yaml` with another file of the same schema.
    """

    env: str
    config_file: str | None = None

    def get(self) -> KrakenConfig:
        return _load(self.env, self.config_file)
