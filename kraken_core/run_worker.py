"""Is the process that ran a pipeline run still alive on this host? Plain functions over `/proc`.

A run worker killed with `kill -9` (by hand, by the OOM killer, or with the whole platform) cannot report its own
end. Where the run launcher cannot check its workers (Dagster's default launcher starts each run as a child
process of the code server, on the same host), the platform asks the kernel instead: the pid the run recorded when
its process started, and that process's start time, which tells a live worker from an unrelated process that got
the same pid after a reboot or pid wrap-around.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# a process that started this much after its run recorded it is a different process with a reused pid
START_TOLERANCE_S = 5.0


@dataclass(frozen=True)
class WorkerCheck:
    pid: int
    alive: bool
    reason: str


def _boot_time(proc: Path) -> float | None:
    try:
        for line in (proc / "stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def _process_state_and_start(pid: int, proc: Path) -> tuple[str, float] | None:
    """(state letter, start time as a Unix timestamp) of `pid`, or None when there is no such process."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name (field 2) may contain spaces and parentheses: split after its last ')'
    fields = stat[stat.rindex(")") + 2 :].split()
    state, start_ticks = fields[0], int(fields[19])
    boot = _boot_time(proc)
    if boot is None:
        return state, 0.0
    return state, boot + start_ticks / os.sysconf("SC_CLK_TCK")


def check_worker(pid: int, recorded_at: float, proc: Path = PROC) -> WorkerCheck:
    """Whether the run worker with `pid`, which recorded itself at Unix time `recorded_at`, is still running.

    A zombie (killed, not yet reaped by its parent) is dead; so is a process that started after the worker
    recorded itself (the pid was reused).
    """
    found = _process_state_and_start(pid, proc)
    if found is None:
        return WorkerCheck(pid, False, f"no process with pid {pid} exists on this host")
    state, started = found
    if state in ("Z", "X"):
        return WorkerCheck(pid, False, f"process {pid} has exited (state {state}, not yet reaped)")
    if started and started > recorded_at + START_TOLERANCE_S:
        return WorkerCheck(pid, False, f"pid {pid} now belongs to a process started after the run worker")
    return WorkerCheck(pid, True, f"process {pid} is running")
