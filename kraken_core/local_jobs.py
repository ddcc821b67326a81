"""The local job engine (`quanting.engine: local`): quantification jobs as processes on the worker, for labs without
a cluster. Same interface as the Slurm cluster session (`submit`, `job_states`, `cancel`, `host`), same job script,
same log path; states in Slurm's words, so the job sensor and the output assets do not know the difference.

Each job is a folder `<jobs folder>/local-<n>` (see `local_job_runner` for its files); its runner is started in a
session of its own, so a restart of the worker's Dagster processes does not end running jobs (a restart of the
machine or container does: such a job is reported NODE_FAIL and its raw file `error`). Time limits come from the
settings' slurm_time; slurm_mem and slurm_cpus_per_task are not enforced locally (the tool takes what the machine
has; keep quanting.local.max_parallel_jobs low enough for its memory).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from kraken_core import local_job_runner as runner
from kraken_core.quanting.job_request import DEFAULT_SLURM_TIME, JOB_SCRIPT, JobRequest
from kraken_core.slurm import UNKNOWN, JobState

JOB_ID_PREFIX = "local-"
LOCAL_JOBS_FOLDER = "local_jobs"
_JOB_ID = re.compile(r"local-([0-9]+)")
# the worker's variables a job gets besides its own (never the platform's secrets: database, S3, Slack, SSH)
PASSED_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "CONDA_EXE")


def local_jobs_folder(slurm_location_path: str | None) -> Path:
    """Job folders beside the job logs, in `locations.slurm` (as the workers see it)."""
    return Path(slurm_location_path) / LOCAL_JOBS_FOLDER if slurm_location_path else Path(LOCAL_JOBS_FOLDER)


def check_local_job_id(job_id: str) -> str:
    if not _JOB_ID.fullmatch(job_id):
        raise ValueError(f"not a local job id: {job_id!r}")
    return job_id


def time_limit_s(text: str) -> int:
    """Slurm's --time formats: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`."""
    days, _, rest = text.rpartition("-") if "-" in text else ("0", "", text)
    parts = [int(p) for p in rest.split(":")]
    if "-" in text:
        hours, minutes, seconds = (parts + [0, 0])[:3]
    elif len(parts) == 3:
        hours, minutes, seconds = parts
    else:
        hours, minutes, seconds = 0, parts[0], (parts[1] if len(parts) > 1 else 0)
    return int(days) * 86400 + hours * 3600 + minutes * 60 + seconds


def _read_float(path: Path) -> float | None:
    try:
        return float(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


class LocalJobs:
    """Jobs under one jobs folder on this machine; any process of the platform can follow or cancel them."""

    round_trips = 0  # nothing is asked over a network

    def __init__(self, jobs_dir: Path, max_parallel_jobs: int = 1, script: Path = JOB_SCRIPT):
        self.jobs_dir = Path(jobs_dir)
        self.max_parallel_jobs = max_parallel_jobs
        self.script = script
        self.host = socket.gethostname()

    def _new_job_dir(self) -> Path:
        """`local-<n>`, one more than the highest so far; mkdir decides between two submitters at once."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in self.jobs_dir.iterdir() if (m := _JOB_ID.fullmatch(p.name))]
        number = max(numbers, default=0) + 1
        while True:
            try:
                (self.jobs_dir / f"{JOB_ID_PREFIX}{number}").mkdir()
                return self.jobs_dir / f"{JOB_ID_PREFIX}{number}"
            except FileExistsError:
                number += 1

    def submit(self, request: JobRequest) -> str:
        """Start the job's runner detached; it waits (PENDING) until one of max_parallel_jobs slots is free."""
        job_dir = self._new_job_dir()
        job_id = job_dir.name
        log_path = request.log_dir_worker / f"{request.job_name}-{job_id}.out"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        queue_entry = f"{int(job_id.removeprefix(JOB_ID_PREFIX)):012d}"
        spec = {
            "job_id": job_id, "job_name": request.job_name, "raw_file_id": request.raw_file_id,
            "script": str(self.script), "log_path": str(log_path), "exit_path": f"{log_path}.exit",
            "time_limit_s": time_limit_s(str(request.settings.get("slurm_time") or DEFAULT_SLURM_TIME)),
            "max_parallel_jobs": self.max_parallel_jobs, "queue_entry": queue_entry, "submitted_at": time.time(),
        }
        (job_dir / "job.json").write_text(json.dumps(spec, indent=1))
        (self.jobs_dir / "queue").mkdir(exist_ok=True)
        (self.jobs_dir / "queue" / queue_entry).write_text(job_id)
        environment = {key: os.environ[key] for key in PASSED_VARIABLES if key in os.environ}
        environment.update(request.environment, LOCAL_JOB_ID=job_id)
        lock_fd = os.open(job_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)  # handed to the runner: held from the first moment
            environment[runner.LOCK_FD_VARIABLE] = str(lock_fd)
            with open(log_path, "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, runner.__file__, str(job_dir)], env=environment, cwd=job_dir,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    pass_fds=(lock_fd,),
                )
        finally:
            os.close(lock_fd)
        (job_dir / "pid").write_text(f"{process.pid}\n")
        threading.Thread(target=process.wait, daemon=True).start()  # no zombie while this process lives on
        return job_id

    def job_states(self, job_ids: Iterable[str]) -> dict[str, JobState]:
        return {job_id: self.job_state(check_local_job_id(job_id)) for job_id in job_ids}

    def job_state(self, job_id: str) -> JobState:
        job_dir = self.jobs_dir / job_id
        try:
            spec = json.loads((job_dir / "job.json").read_text())
        except FileNotFoundError:
            return JobState(job_id, UNKNOWN, reason=f"no folder {job_dir} on {self.host}")
        started = _read_float(job_dir / "started")
        code = _read_float(Path(spec["exit_path"]))
        cancelled = (job_dir / "cancelled").exists()
        if code is not None:
            ended = Path(spec["exit_path"]).stat().st_mtime
            elapsed = int(ended - started) if started else 0
            state = ("CANCELLED" if cancelled else "TIMEOUT" if (job_dir / "timed_out").exists()
                     else "COMPLETED" if code == 0 else "FAILED")
            return JobState(job_id, state, int(code), None, elapsed)
        if runner.lock_is_held(job_dir / "lock"):
            if started is None:
                return JobState(job_id, "PENDING", elapsed_s=0,
                                reason=f"waiting for one of {spec['max_parallel_jobs']} local slot(s)")
            return JobState(job_id, "RUNNING", elapsed_s=int(time.time() - started))
        if cancelled:
            return JobState(job_id, "CANCELLED", elapsed_s=int(time.time() - started) if started else 0)
        return JobState(job_id, "NODE_FAIL", reason=f"the job's process on {self.host} ended without an exit code "
                        f"(machine or container restarted, or killed); see {spec['log_path']}")

    def cancel(self, job_id: str) -> None:
        """Signal the job's process group (the runner, the job script and the tool); a no-op for an ended job."""
        job_dir = self.jobs_dir / check_local_job_id(job_id)
        if not runner.lock_is_held(job_dir / "lock"):
            return  # ended: its pid may belong to another process by now
        (job_dir / "cancelled").write_text(f"{time.time()}\n")
        try:
            os.killpg(int((job_dir / "pid").read_text()), signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError):
            pass

    def read_text(self, path: str, limit: int = 200_000) -> str:
        try:
            with open(path, "rb") as handle:
                handle.seek(max(os.path.getsize(path) - int(limit), 0))
                return handle.read().decode(errors="replace")
        except FileNotFoundError:
            return ""
