"""Cost of one tick of the check-failure sensor as the history of check evaluations grows.

The sensor reads only what is new since its cursor (per check key, newest first, stopping at the cursor), so a
tick after months of evaluations should cost what a tick costs on a fresh instance. Baseline: a tick that finds
`--new` evaluations per check key on top of a short history (20 per key). Measured: the same tick on top of
`--history` evaluations per key. Both on one Dagster instance (SQLite in /dev/shm), best of `--repeat`.
The tick's work is timed without posting: read new evaluations, turn them into observations, decide.

    .venv/bin/python benchmarks/monitoring_alerts.py [--history 500] [--new 5] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation

from kraken_core.monitoring.alert_policy import AlertLedger
from kraken_core.monitoring.health_checks import LOCATION_CHECKS
from kraken_sensors.alerts import check_observation, latest_per_subject
from kraken_sensors.check_evaluations import CheckCursor, newest_execution_id, read_new_evaluations

SUBJECTS = ("thermo1", "thermo2", "bruker1", "sciex1", "backup", "output")
KEYS = [dg.AssetCheckKey(dg.AssetKey("location_health"), name) for name in LOCATION_CHECKS] + [
    dg.AssetCheckKey(dg.AssetKey("platform_services"), "mongo_reachable")
]


def report(instance: dg.DagsterInstance, per_key: int, start: int) -> None:
    for i in range(start, start + per_key):
        for key in KEYS:
            instance.report_runless_asset_event(AssetCheckEvaluation(
                asset_key=key.asset_key, check_name=key.name, passed=i % 3 != 0,
                metadata={"subject": SUBJECTS[i % len(SUBJECTS)]}, description=f"evaluation {i}"))


def tick(instance: dg.DagsterInstance, new: int, start: int, repeat: int) -> tuple[float, int]:
    """Best time of a tick that finds `new` evaluations per key (re-reading from the same cursor each time)."""
    cursor = CheckCursor(newest_execution_id(instance, KEYS))
    report(instance, new, start)
    best, found = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        records, _ = read_new_evaluations(instance, KEYS, cursor)
        observations = latest_per_subject(check_observation(r, "http://ui") for r in records)
        AlertLedger(cooldown_s=7200).decide(observations, time.time())
        best, found = min(best, time.perf_counter() - started), len(records)
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=500, help="evaluations per check key before the tick")
    parser.add_argument("--new", type=int, default=5, help="new evaluations per check key in the tick")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as home, \
            dg.instance_for_test(temp_dir=home) as instance:
        report(instance, 20, 0)
        baseline, found_base = tick(instance, args.new, 20, args.repeat)
        report(instance, args.history, 20 + args.new)
        measured, found = tick(instance, args.new, 20 + args.new + args.history, args.repeat)
    total = (20 + args.new + args.history + args.new) * len(KEYS)
    print(f"check keys: {len(KEYS)}; evaluations in the instance at the end: {total}")
    print(f"baseline tick (20 per key before, {found_base} new): {baseline * 1000:.1f} ms")
    print(f"tick after {args.history} per key ({found} new): {measured * 1000:.1f} ms")
    print(f"ratio: {measured / baseline:.2f} (target 1.5 or less)")


if __name__ == "__main__":
    main()
