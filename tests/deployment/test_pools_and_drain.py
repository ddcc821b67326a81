"""Pools from the configuration and the drain before a code update, on a production instance in PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

from dagster._utils.concurrency import ConcurrencySlotStatus

from kraken_assets.drain import drain_copies
from kraken_assets.instance_pools import apply_pool_limits
from kraken_core.pools import pool_limits

ROOT = Path(__file__).resolve().parents[2]


def cli(module: str, home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, **env, "DAGSTER_HOME": str(home), "ENV": "test"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=environ, capture_output=True, text=True)


def test_pool_sizes_follow_the_configuration(postgres_instance, make_config):
    config = make_config(backup={"max_parallel_copies": 3}, quanting={"max_parallel_jobs": 7})
    apply_pool_limits(postgres_instance, pool_limits(config))
    storage = postgres_instance.event_log_storage
    assert {p: storage.get_concurrency_info(p).slot_count for p in ("copies", "cluster_slots", "uploads")} == {
        "copies": 3, "cluster_slots": 7, "uploads": config.backup.s3.max_parallel_uploads}
    smaller = make_config(backup={"max_parallel_copies": 1})
    previous = apply_pool_limits(postgres_instance, pool_limits(smaller))
    assert previous["copies"] == 3 and storage.get_concurrency_info("copies").slot_count == 1


def test_drain_waits_for_running_copies_and_blocks_new_ones(postgres_instance, postgres_env, mounts, make_config):
    home = Path(postgres_instance.root_directory)
    env = {**postgres_env, "MOUNTS_PATH": str(mounts)}
    apply_pool_limits(postgres_instance, pool_limits(make_config()))
    storage = postgres_instance.event_log_storage
    assert storage.get_concurrency_info("copies").slot_count == 2

    claim = storage.claim_concurrency_slot("copies", "run-copying", "raw_file_backup")
    assert claim.slot_status == ConcurrencySlotStatus.CLAIMED
    busy = cli("kraken_assets.drain", home, env, "--timeout", "1", "--poll", "0.2")
    assert busy.returncode == 1
    assert "copies still running in runs run-copying" in busy.stdout
    blocked = storage.claim_concurrency_slot("copies", "run-new", "raw_file_backup")
    assert blocked.slot_status == ConcurrencySlotStatus.BLOCKED, "a drained pool starts no new copy"

    storage.free_concurrency_slots_for_run("run-copying")
    lines = []
    assert drain_copies(postgres_instance, timeout_s=5, poll_s=0.2, report=lines.append)
    assert lines[-1].startswith("drained")

    reopened = cli("kraken_assets.instance_pools", home, env)
    assert reopened.returncode == 0 and "pool copies: 0 -> 2 slots" in reopened.stdout
    again = storage.claim_concurrency_slot("copies", "run-new", "raw_file_backup")
    assert again.slot_status == ConcurrencySlotStatus.CLAIMED
