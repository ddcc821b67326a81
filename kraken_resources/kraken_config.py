"""The validated `envs/alphakraken.${ENV}.yaml`, as a resource every asset and sensor can ask for."""

from __future__ import annotations

from functools import cache

import dagster as dg

from kraken_core.config import KrakenConfig, load_config


@cache
def _load(env: str) -> KrakenConfig:
    return load_config(env)


class KrakenConfigResource(dg.ConfigurableResource):
    """Which environment's configuration to use (`local`, `sandbox`, `production`, `test`)."""

    env: str

    def get(self) -> KrakenConfig:
        return _load(self.env)
