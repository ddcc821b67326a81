"""How the server runs, from the environment: transport, bind address, port, and the read-only record user.

- `MCP_TRANSPORT`: `stdio` (default) or `streamable-http`; `MCP_HOST` (default 127.0.0.1) and `MCP_PORT`
  (default 8089) for HTTP, served at `/mcp`. The Host header is always checked (DNS rebinding): loopback names
  are allowed, and `MCP_ALLOWED_HOSTS` (comma-separated `host`, `host:port`, `host:*`) adds the names clients use
  (behind the entrance: the lab's name of the nginx host). The bearer token is checked by the entrance.
- `MONGO_HOST`, `MONGO_PORT`, `MONGO_DB` and the read-only user `MONGO_USER_READ` / `MONGO_PASSWORD_READ`
  (only used when set); without them `MONGO_USER` / `MONGO_PASSWORD`, the names AlphaKraken's MCP container
  is given (its compose file passes the read-only user under them).
- With `ENV` set, `envs/${ENV}.env` fills unset variables and `envs/alphakraken.${ENV}.yaml` gives the
  instruments' vendor types; without it, a type is inferred from the raw file names.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from kraken_core.config.loader import ConfigError, load_config, load_environment
from kraken_core.record.connection import DEFAULT_DB, MongoSettings

TRANSPORTS = ("stdio", "streamable-http")
LOOPBACK_HOSTS = ("127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]", "[::1]:*")
DEFAULT_PORT = 8089
log = logging.getLogger("mcp_server")


class RuntimeSettingsError(ValueError):
    """A variable of the environment has a value the server cannot use."""


@dataclass(frozen=True)
class RuntimeSettings:
    transport: str
    host: str
    port: int
    allowed_hosts: tuple[str, ...]
    mongo: MongoSettings


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeSettingsError(f"{name}={raw!r}: expected a port number (1-65535)") from None
    if not 0 < value < 65536:
        raise RuntimeSettingsError(f"{name}={raw!r}: expected a port number (1-65535)")
    return value


def environment() -> Mapping[str, str]:
    """The process environment, with `envs/${ENV}.env` under it when `ENV` is set."""
    if os.environ.get("ENV"):
        return load_environment(apply=False)
    return os.environ


def _record_user(environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """`MONGO_USER_READ` with its password, else AlphaKraken's `MONGO_USER` with its password; never mixed."""
    for user_var, password_var in (("MONGO_USER_READ", "MONGO_PASSWORD_READ"), ("MONGO_USER", "MONGO_PASSWORD")):
        if environ.get(user_var):
            return environ[user_var], environ.get(password_var) or None
    return None, None


def runtime_settings(environ: Mapping[str, str]) -> RuntimeSettings:
    transport = environ.get("MCP_TRANSPORT") or "stdio"
    if transport not in TRANSPORTS:
        raise RuntimeSettingsError(f"MCP_TRANSPORT={transport!r}: expected one of {', '.join(TRANSPORTS)}")
    user, password = _record_user(environ)
    mongo = MongoSettings(
        host=environ.get("MONGO_HOST") or "127.0.0.1",
        port=_int(environ, "MONGO_PORT", 27017),
        database=environ.get("MONGO_DB") or DEFAULT_DB,
        user=user,
        password=password,
    )
    configured = [h.strip() for h in (environ.get("MCP_ALLOWED_HOSTS") or "").split(",") if h.strip()]
    allowed = tuple(dict.fromkeys([*LOOPBACK_HOSTS, *configured]))
    return RuntimeSettings(transport, environ.get("MCP_HOST") or "127.0.0.1", _int(environ, "MCP_PORT", DEFAULT_PORT),
                           allowed, mongo)


def allowed_origins(allowed_hosts: tuple[str, ...]) -> list[str]:
    """Browser origins matching the allowed host names (most MCP clients send no Origin at all)."""
    return [f"{scheme}://{host}" for host in allowed_hosts for scheme in ("http", "https")]


def configured_instrument_types() -> dict[str, str]:
    """Instrument id to vendor from the configuration of `ENV`; empty (types inferred) when it cannot be read."""
    if not os.environ.get("ENV"):
        return {}
    try:
        config = load_config()
    except ConfigError as err:
        log.warning("instrument types will be inferred from raw file names: %s", err)
        return {}
    return {instrument_id: str(instrument.type) for instrument_id, instrument in config.instruments.items()}
