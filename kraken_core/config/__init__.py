"""Validated configuration: `ENV` selects `envs/${ENV}.env` and `envs/alphakraken.${ENV}.yaml`."""

from kraken_core.config.loader import ConfigError, load_config, load_environment
from kraken_core.config.schema import InstrumentConfig, KrakenConfig, LocationConfig, Vendor

__all__ = [
    "ConfigError",
    "InstrumentConfig",
    "KrakenConfig",
    "LocationConfig",
    "Vendor",
    "load_config",
    "load_environment",
]
