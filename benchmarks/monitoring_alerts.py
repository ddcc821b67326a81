"""Cost of one tick of the check-failure sensor as the history of runs and check evaluations grows.

The sensor reads only the runs that ended since its cursor and their check evaluations, so a tick after months of
evaluations should cost what a tick costs on a fresh instance. Each new run evaluates every check once (7
`location_health` checks and `mongo_reachable`). Baseline: a tick that finds `--new` such runs on top of a short
history (20 ended runs, 20 evaluations per check). Measured: the same tick on top of `--history` ended runs and
`--history` evaluations per check (history is written directly, a real run each would take hours). Both on one
Dagster instance (SQLite in /dev/shm), best of `--repeat`. The tick's work is timed without posting: read new
evaluations, turn them into observations, decide.

    .venv/bin/python benchmarks/monitoring_alerts.py [--history 300] [--new 5] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import logging

import dagster as dg

from kraken_core.monitoring.alert_policy import AlertLedger
from kraken_core.monitoring.health_checks import LOCATION_CHECKS
from kraken_sensors.alerts import check_observation, latest_per_subject
from kraken_sensors.check_evaluations import newest_cursor, read_new_evaluations

SUBJECTS = ("thermo1", "thermo2", "bruker1", "sciex1", "backup", "output")
KEYS = [dg.AssetCheckKey(dg.AssetKey("location_health"), name) for name in LOCATION_CHECKS] + [
    dg.AssetCheckKey(dg.AssetKey("platform_services"), "mongo_reachable")
]


@dg.multi_asset(specs=[dg.AssetSpec("location_health"), dg.AssetSpec("platform_services")],
                check_specs=[dg.AssetCheckSpec(key.name, asset=key.asset_key) for key in KEYS],
                config_schema={"i": int}, name="health")
def _health(context):
    i = context.op_execution_context.op_config["i"]
    yield dg.MaterializeResult(asset_key="location_health")
    yield dg.MaterializeResult(asset_key="platform_services")
    for key in KEYS:
        yield dg.AssetCheckResult(asset_key=key.asset_key, check_name=key.name, passed=i % 3 != 0,
                                  metadata={"subject": SUBJECTS[i % len(SUBJECTS)]}, description=f"evaluation {i}")


def history(instance: dg.DagsterInstance, count: int, start: int) -> None:
    """`count` ended runs and `count` evaluations of every check, written without executing anything."""
    for i in range(start, start + count):
        instance.report_run_failed(instance.add_run(dg.DagsterRun(job_name="history", run_id=f"history-{i:08d}")))
        for key in KEYS:
            instance.report_runless_asset_event(dg.AssetCheckEvaluation(
                asset_key=key.asset_key, check_name=key.name, passed=i % 3 != 0,
                metadata={"subject": SUBJECTS[i % len(SUBJECTS)]}, description=f"evaluation {i}"))


def report(instance: dg.DagsterInstance, runs: int, start: int) -> None:
    for i in range(start, start + runs):
        dg.materialize([_health], instance=instance, run_config={"ops": {"health": {"config": {"i": i}}}})


def tick(instance: dg.DagsterInstance, new: int, start: int, repeat: int) -> tuple[float, int]:
    """Best time of a tick that finds `new` runs (re-reading from the same cursor each time)."""
    cursor = newest_cursor(instance)
    report(instance, new, start)
    best, found = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        entries, _ = read_new_evaluations(instance, KEYS, cursor)
        observations = latest_per_subject(check_observation(e, "http://ui") for e in entries)
        AlertLedger(cooldown_s=7200).decide(observations, time.time())
        best, found = min(best, time.perf_counter() - started), len(entries)
    return best, found


def main() -> None:
    logging.getLogger("dagster").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=300, help="ended runs and evaluations per check before the tick")
    parser.add_argument("--new", type=int, default=5, help="new runs in the tick")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as home, \
            dg.instance_for_test(temp_dir=home) as instance:
        history(instance, 20, 0)
        baseline, found_base = tick(instance, args.new, 20, args.repeat)
        history(instance, args.history, 20 + args.new)
        measured, found = tick(instance, args.new, 20 + args.new + args.history, args.repeat)
    total = (20 + args.new + args.history + args.new) * len(KEYS)
    print(f"check keys: {len(KEYS)}; evaluations in the instance at the end: {total}")
    print(f"baseline tick (20 ended runs before, {found_base} new evaluations): {baseline * 1000:.1f} ms")
    print(f"tick after {args.history} ended runs ({found} new evaluations): {measured * 1000:.1f} ms")
    print(f"ratio: {measured / baseline:.2f} (target 1.5 or less)")


if __name__ == "__main__":
    main()
