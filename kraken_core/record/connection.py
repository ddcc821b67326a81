"""One way to open the record, for workers, monitoring and the MCP server alike."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import pymongo
from bson.codec_options import TypeDecoder, TypeRegistry
from bson.int64 import Int64
from pymongo.database import Database

DEFAULT_DB = "krakendb"


class _PlainInt(TypeDecoder):
    """BSON int64 values (every size of 2 GiB or more) come back as plain `int`, not `bson.int64.Int64`.

    `Int64` is an `int` subclass that Dagster's metadata, JSON and most serialisers refuse, so a 2.5 GB raw file
    would fail its run after a verified backup. Decoding once here keeps every reader of the record on plain ints.
    """

    bson_type = Int64

    def transform_bson(self, value: Int64) -> int:
        return int(value)


RECORD_TYPE_REGISTRY = TypeRegistry([_PlainInt()])
RECORD_CLIENT_OPTIONS = {"tz_aware": True, "type_registry": RECORD_TYPE_REGISTRY}


@dataclass(frozen=True)
class MongoSettings:
    host: str = "127.0.0.1"
    port: int = 27017
    database: str = DEFAULT_DB
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # repr() never shows it; describe() for logs
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
        appname="alphakraken",
        serverSelectionTimeoutMS=settings.timeout_ms,
        connectTimeoutMS=settings.timeout_ms,
        **RECORD_CLIENT_OPTIONS,
        **credentials,
    )


def open_database(settings: MongoSettings) -> Database:
    return open_client(settings)[settings.database]


def run_on_record(settings: MongoSettings, action: Callable[[Database], str],
                  refusals: tuple[type[Exception], ...], label: str) -> int:
    """A command line's action on the record: prints what it answers (exit 0), or a refusal as `label: reason`
    on stderr (exit 1); the connection is closed either way."""
    client = open_client(settings)
    try:
        print(action(client[settings.database]), flush=True)
    except refusals as err:
        print(f"{label}: {err}", file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0
