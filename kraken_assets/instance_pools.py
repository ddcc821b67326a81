"""Set the Dagster concurrency pools (copies, cluster_slots, uploads, instrument_files) from the configuration.

Run at start-up of the code location (`python -m kraken_assets.instance_pools`), so pool sizes follow the
YAML with no manual step in the UI, and a code update that restarts the code location reopens drained pools.
"""

from __future__ import annotations

import sys

import dagster as dg

from kraken_core.config import ConfigError, load_config
from kraken_core.config.loader import environment_name
from kraken_core.pools import pool_limits


def apply_pool_limits(instance: dg.DagsterInstance, limits: dict[str, int]) -> dict[str, int]:
    """Set each pool's limit; returns the previous limits (None where the pool had none)."""
    previous = {}
    storage = instance.event_log_storage
    for pool, limit in limits.items():
        previous[pool] = storage.get_concurrency_info(pool).slot_count
        if previous[pool] != limit:
            storage.set_concurrency_slots(pool, limit)
    return previous


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
