"""Resources per environment, chosen in one place. Secrets come through EnvVar and are never read at import."""

from __future__ import annotations

import os

import dagster as dg

from kraken_resources import KrakenConfigResource, MongoResource


def _optional_env(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def build_resources(env: str) -> dict[str, dg.ConfigurableResource]:
    return {
        "kraken_config": KrakenConfigResource(env=env),
        "mongo": MongoResource(
            host=dg.EnvVar("MONGO_HOST"),
            port=dg.EnvVar.int("MONGO_PORT"),
            database=dg.EnvVar("MONGO_DB"),
            user=_optional_env("MONGO_USER"),
            password=_optional_env("MONGO_PASSWORD"),
        ),
    }
