"""One way to open the record, for workers, monitoring and the MCP server alike."""

from __future__ import annotations

from dataclasses import dataclass

import pymongo
from pymongo.database import Database

DEFAULT_DB = "krakendb"


@dataclass(frozen=True)
class MongoSettings:
    host: str = "127.0.0.1"
    port: int = 27017
    database: str = DEFAULT_DB
    user: str | None = None
    password: str | None = None
    auth_source: str = "admin"
    timeout_ms: int = 5000

    def describe(self) -> str:
        """Where the record lives, for logs and errors: never the password."""
        who = f"{self.user}@" if self.user else ""
        return f"mongodb://{who}{self.host}:{self.port}/{self.database}"


def open_client(settings: MongoSettings) -> pymongo.MongoClient:
    credentials = {}
    if settings.user:
        credentials = {"username": settings.user, "password": settings.password, "authSource": settings.auth_source}
    return pymongo.MongoClient(
        settings.host,
        settings.port,
        tz_aware=True,
        appname="alphakraken",
        serverSelectionTimeoutMS=settings.timeout_ms,
        connectTimeoutMS=settings.timeout_ms,
        **credentials,
    )


def open_database(settings: MongoSettings) -> Database:
    return open_client(settings)[settings.database]
