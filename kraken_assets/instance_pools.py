"""Start-up step of the code location (`python -m kraken_assets.instance_pools`, run by scripts/run-platform.sh
and the code-location container before the definitions are served).

It sets the Dagster concurrency pools (copies, cluster_slots, uploads, instrument_files) from the configuration,
so pool sizes follow the YAML with no manual step in the UI and a code update that restarts the code location
reopens drained pools; and it creates the record's indexes (`kraken_core/record/indexes.py`), once per start
instead of in a sensor tick. A MongoDB that cannot be reached does not stop the start-up (the platform reports it
through `platform_services`); the indexes are then created at the next start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import dagster as dg
from pymongo.errors import PyMongoError

from kraken_core.config import ConfigError, load_config
from kraken_core.config.loader import environment_name
from kraken_core.pools import pool_limits
from kraken_core.record.connection import DEFAULT_DB, MongoSettings, open_client
from kraken_core.record.indexes import ensure_indexes


def apply_pool_limits(instance: dg.DagsterInstance, limits: dict[str, int]) -> dict[str, int]:
    """Set each pool's limit; returns the previous limits (None where the pool had none)."""
    previous = {}
    storage = instance.event_log_storage
    for pool, limit in limits.items():
        previous[pool] = storage.get_concurrency_info(pool).slot_count
        if previous[pool] != limit:
            storage.set_concurrency_slots(pool, limit)
    return previous


def record_settings(environ: Mapping[str, str]) -> MongoSettings:
    """The workers' record, from the same variables as the `mongo` resource."""
    return MongoSettings(
        host=environ.get("MONGO_HOST") or "127.0.0.1",
        port=int(environ.get("MONGO_PORT") or 27017),
        database=environ.get("MONGO_DB") or DEFAULT_DB,
        user=environ.get("MONGO_USER") or None,
        password=environ.get("MONGO_PASSWORD") or None,
    )


def ensure_record_indexes(settings: MongoSettings) -> str:
    """Create the record's indexes; returns what was done, or why not."""
    client = open_client(settings)
    try:
        ensure_indexes(client[settings.database])
        return f"indexes of {settings.describe()} ensured"
    except PyMongoError as err:
        return (f"indexes of {settings.describe()} not ensured ({type(err).__name__}); "
                "they are created at the next start-up")
    finally:
        client.close()


def main() -> int:
    env = environment_name()
    try:
        limits = pool_limits(load_config(env))
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    with dg.DagsterInstance.get() as instance:
        previous = apply_pool_limits(instance, limits)
    for pool, limit in limits.items():
        print(f"pool {pool}: {previous[pool]} -> {limit} slots (ENV={env})")
    print(ensure_record_indexes(record_settings(os.environ)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
