"""Cancels every local quantification job still running or waiting, when `make run`/`make demo` stops.

Local jobs run detached from the Dagster processes (so a restart of Dagster alone does not end them); the platform
started on this machine by scripts/run-platform.sh owns them, and its stop must not leave the tool running. A
cancelled job is reported CANCELLED by the job sensor at the next start.

Run as `python -m kraken_core.local_jobs_stop` (ENV and MOUNTS_PATH as for the platform).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kraken_core.local_job_runner import KILL_AFTER_S, lock_is_held
from kraken_core.local_jobs import JOB_ID_PREFIX, LocalJobs, local_jobs_folder


def live_jobs(jobs_dir: Path) -> list[str]:
    """Ids of the jobs whose runner still lives (its lock is held), oldest first."""
    if not jobs_dir.is_dir():
        return []
    jobs = [p for p in jobs_dir.iterdir() if p.name.startswith(JOB_ID_PREFIX) and lock_is_held(p / "lock")]
    return [p.name for p in sorted(jobs, key=lambda p: int(p.name[len(JOB_ID_PREFIX):]))]


def cancel_live_jobs(jobs_dir: Path, timeout_s: float) -> tuple[list[str], list[str]]:
    """Cancel every live job and wait up to `timeout_s` for their runners to end: (cancelled, still running)."""
    engine = LocalJobs(jobs_dir)
    cancelled = live_jobs(jobs_dir)
    for job_id in cancelled:
        engine.cancel(job_id)
    deadline = time.monotonic() + timeout_s
    while (left := live_jobs(jobs_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return cancelled, left


def main() -> int:
    from kraken_core.config import load_config

    config = load_config()
    if config.quanting.engine != "local":
        return 0
    slurm_location = config.locations.slurm
    jobs_dir = local_jobs_folder(slurm_location.path if slurm_location else None)
    timeout_s = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    cancelled, left = cancel_live_jobs(jobs_dir, timeout_s)
    if cancelled:
        print(f"run-platform: cancelled {len(cancelled)} local quantification job(s) in {jobs_dir}: "
              f"{', '.join(cancelled)}", flush=True)
    if left:
        print(f"run-platform: local job(s) {', '.join(left)} still run {timeout_s:.0f}s after SIGTERM (their runners "
              f"kill the tool {KILL_AFTER_S}s after it); see the job folders in {jobs_dir}",
              file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
