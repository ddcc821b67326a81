"""Drain the copies pool before a code update: no new copy starts, and running copies finish first.

`python -m kraken_assets.drain [--timeout S]` sets the `copies` pool to 0 slots, so steps waiting for a slot
stay queued, then waits until no copy holds a slot. Exit 0 when drained; exit 1 on timeout (the pool stays
closed: wait longer, or reopen it with `python -m kraken_assets.instance_pools`). Restarting the code location
after the update reopens the pool from the configuration.
"""

from __future__ import annotations

import argparse
import sys
import time

import dagster as dg

from kraken_core.pools import COPIES


def running_copies(instance: dg.DagsterInstance) -> set[str]:
    """Run ids of the steps that hold a copies slot right now."""
    return instance.event_log_storage.get_concurrency_info(COPIES).active_run_ids


def drain_copies(instance: dg.DagsterInstance, timeout_s: float, poll_s: float = 2.0, report=print) -> bool:
    instance.event_log_storage.set_concurrency_slots(COPIES, 0)
    report("copies pool closed: no new copy starts; waiting for running copies to finish")
    deadline = time.monotonic() + timeout_s
    while True:
        active = running_copies(instance)
        if not active:
            report("drained: no copy is running; the code location can be updated now")
            return True
        if time.monotonic() >= deadline:
            report(f"timed out after {timeout_s:.0f} s; copies still running in runs {', '.join(sorted(active))}")
            return False
        report(f"{len(active)} copies running (runs {', '.join(sorted(active))})")
        time.sleep(poll_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kraken_assets.drain", description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for running copies")
    parser.add_argument("--poll", type=float, default=5, help="seconds between checks")
    args = parser.parse_args(argv)
    with dg.DagsterInstance.get() as instance:
        return 0 if drain_copies(instance, args.timeout, args.poll) else 1


if __name__ == "__main__":
    sys.exit(main())
