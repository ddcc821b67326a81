"""The MongoDB record as a resource; credentials come from the environment and never appear in logs."""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import dagster as dg
from pymongo.database import Database

from kraken_core.record.connection import MongoSettings, open_client
from kraken_resources.hidden_secrets import HidesSecrets


@cache
def _client(settings: MongoSettings):
    return open_client(settings)


class MongoResource(HidesSecrets, dg.ConfigurableResource):
    secret_fields: ClassVar[frozenset[str]] = frozenset({"password"})
    host: str = "127.0.0.1"
    port: int = 27017
    database: str = "krakendb"
    user: str | None = None
    password: str | None = None
    timeout_ms: int = 5000

    def settings(self) -> MongoSettings:
        return MongoSettings(self.host, self.port, self.database, self.user, self.password, timeout_ms=self.timeout_ms)

    def get_database(self) -> Database:
        """A database handle; the client (and its connection pool) is shared within the process."""
        settings = self.settings()
        return _client(settings)[settings.database]

    def describe(self) -> str:
        return self.settings().describe()
