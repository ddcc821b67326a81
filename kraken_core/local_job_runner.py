"""Runs one local quantification job: waits its turn for a slot, runs the job script, writes the exit code.

Started by `kraken_core.local_jobs.LocalJobs.submit` as `python local_job_runner.py JOB_DIR`, detached from the worker
(its own session), with stdout/stderr on the job's log file and the job script's environment. Standard library only:
it runs by path, without the platform's packages. Its process group is the job: cancelling signals the group.

Files in JOB_DIR (see local_jobs for how they are read):
  job.json   what to run (script, log and exit-code paths, time limit, parallel slots)
  lock       held (flock) by this process for as long as it lives: a free lock without an exit code is a lost job
  pid        the runner's process id (the leader of the job's session); script_pid the job script's (its group)
  started    the time the script started (written once a slot is free)
  timed_out  the time limit was reached; cancelled (written by the canceller) the job was cancelled
The exit code goes to `<log>.exit`. Waiting jobs are numbered files in `<jobs folder>/queue`: the lowest number
takes the next free slot (`<jobs folder>/slots/<i>.lock`, flock), so jobs start in submission order.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

LOCK_FD_VARIABLE = "KRAKEN_LOCAL_JOB_LOCK_FD"
KILL_AFTER_S = 30
POLL_S = 0.5


class Stop(Exception):
    """SIGTERM while waiting for a slot (the job was cancelled)."""


def lock_is_held(path: Path) -> bool:
    """True while some process holds an flock on `path` (a missing file is not held)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _try_slot(slots: Path, count: int) -> int | None:
    """An open, flocked slot file (kept open for the job's life), or None when all `count` slots are taken."""
    slots.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        fd = os.open(slots / f"{index}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            os.close(fd)
    return None


def _head_of_queue(queue: Path, jobs: Path) -> str | None:
    """The waiting job submitted first; entries of jobs whose runner died are removed on the way."""
    for entry in sorted(queue.iterdir()):
        job_id = entry.read_text().strip()
        if lock_is_held(jobs / job_id / "lock"):
            return job_id
        entry.unlink(missing_ok=True)
    return None


def wait_for_slot(job_dir: Path, spec: dict) -> int:
    jobs = job_dir.parent
    queue = jobs / "queue"
    said = False
    while True:
        if _head_of_queue(queue, jobs) == job_dir.name:
            slot = _try_slot(jobs / "slots", int(spec["max_parallel_jobs"]))
            if slot is not None:
                return slot
        if not said:
            print(f"== local job {job_dir.name} waits for one of {spec['max_parallel_jobs']} local slot(s) "
                  f"(quanting.local.max_parallel_jobs)", flush=True)
            said = True
        time.sleep(POLL_S)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def run_script(job_dir: Path, spec: dict) -> int:
    """The job script and the tool in a process group of their own: a cancel (TERM to this runner) or the time limit
    sends TERM to all of them, as Slurm does; the script's TERM trap cleans up; KILL follows after KILL_AFTER_S."""
    stop_requested: list[float] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_requested.append(time.monotonic()))
    child = subprocess.Popen(["bash", spec["script"]], stdin=subprocess.DEVNULL, process_group=0,
                             preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    (job_dir / "script_pid").write_text(f"{child.pid}\n")
    time_limit_at = time.monotonic() + spec["time_limit_s"]
    kill_at = None
    while (code := child.poll()) is None:
        now = time.monotonic()
        if kill_at is None and now >= time_limit_at:
            _write_atomic(job_dir / "timed_out", f"{time.time()}\n")
            print(f"== local job {job_dir.name}: time limit of {spec['time_limit_s']} s (slurm_time) reached; "
                  f"stopping it", flush=True)
            stop_requested.append(now)
        if kill_at is None and stop_requested:
            _signal_group(child.pid, signal.SIGTERM)
            kill_at = now + KILL_AFTER_S
        elif kill_at is not None and now >= kill_at:
            _signal_group(child.pid, signal.SIGKILL)
        time.sleep(POLL_S / 5)
    return 128 - code if code < 0 else code  # killed by a signal: the shell's 128 + signal number


def run(job_dir: Path) -> int:
    spec = json.loads((job_dir / "job.json").read_text())
    lock_fd = int(os.environ.pop(LOCK_FD_VARIABLE))  # inherited, already flocked by the submitter: held until we end
    exit_path = Path(spec["exit_path"])

    def stop(signum, frame):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    try:
        slot = wait_for_slot(job_dir, spec)
    except Stop:
        slot = None
    if slot is None or (job_dir / "cancelled").exists():  # cancelled while waiting
        _write_atomic(exit_path, "143\n")
        return 143
    (job_dir.parent / "queue" / spec["queue_entry"]).unlink(missing_ok=True)
    _write_atomic(job_dir / "started", f"{time.time()}\n")
    code = run_script(job_dir, spec)
    _write_atomic(exit_path, f"{code}\n")
    os.close(slot)
    os.close(lock_fd)
    return code


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
