"""Where the record is and who connects, from `MONGO_*` variables (the environment over `envs/${ENV}.env`)."""

from __future__ import annotations

from collections.abc import Mapping

from kraken_core.record.connection import DEFAULT_DB, MongoSettings


def mongo_settings(
    environ: Mapping[str, str],
    user_variable: str = "MONGO_USER",
    password_variable: str = "MONGO_PASSWORD",
    database: str | None = None,
) -> MongoSettings:
    """Credentials only when the user is set: the test server has no authentication."""
    return MongoSettings(
        host=environ.get("MONGO_HOST", "127.0.0.1"),
        port=int(environ.get("MONGO_PORT", "27017")),
        database=database or environ.get("MONGO_DB") or DEFAULT_DB,
        user=environ.get(user_variable) or None,
        password=environ.get(password_variable) or None,
    )
