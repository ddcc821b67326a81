"""Dagster resources: thin ConfigurableResources over the domain core, configured per environment."""

from kraken_resources.kraken_config import KrakenConfigResource
from kraken_resources.mongo import MongoResource

__all__ = ["KrakenConfigResource", "MongoResource"]
