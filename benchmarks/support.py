"""What the benchmarks need from the test services: where they are (services.env written by
tests/services/services.sh). Kept here so no benchmark imports the test suite's helpers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pymongo

from kraken_core.record.connection import RECORD_CLIENT_OPTIONS


def service_env() -> dict[str, str]:
    """Connection details of the running test services (empty when none were started)."""
    path = Path(os.environ.get("KRAKEN_TEST_SERVICES_DIR", "/tmp/kraken-test-services")) / "services.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value
    return values


def seeded_record_arguments(database: str, count: int | None = 200_000) -> argparse.ArgumentParser:
    """The options of a benchmark on a seeded record: its size (`--count`), repetitions, the database it seeds
    and `--reuse` to keep one seeded by an earlier run."""
    parser = argparse.ArgumentParser()
    if count is not None:
        parser.add_argument("--count", type=int, default=count)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default=database)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    return parser


def record_client() -> pymongo.MongoClient:
    """A client of the test services' MongoDB-compatible server, with the options the product's record uses."""
    env = service_env()
    return pymongo.MongoClient(env.get("MONGO_HOST", "127.0.0.1"), int(env.get("MONGO_PORT", "27117")),
                               **RECORD_CLIENT_OPTIONS)
