"""Slurm commands and their answers, as text: built with shlex.quote, parsed without a shell. No I/O here."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

RUNNING_STATES = frozenset({"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING",
                            "STAGE_OUT", "SIGNALING", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STOPPED"})
UNKNOWN = "UNKNOWN"
_KEY = re.compile(r"(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=")
_JOB_ID = re.compile(r"[0-9]+(?:_[0-9]+)?")


@dataclass(frozen=True)
class JobState:
    job_id: str
    state: str
    exit_code: int | None = None
    signal: int | None = None
    elapsed_s: int | None = None
    reason: str | None = None

    @property
    def ended(self) -> bool:
        return self.state not in RUNNING_STATES


def check_job_id(job_id: str) -> str:
    if not _JOB_ID.fullmatch(job_id):
        raise ValueError(f"not a Slurm job id: {job_id!r}")
    return job_id


def sbatch_command(
    script: str,
    *,
    environment: Mapping[str, str],
    job_name: str,
    cpus_per_task: int,
    mem: str,
    time: str,
    log_dir: str,
    partition: str | None = None,
) -> str:
    """`mkdir -p LOGDIR && env K=V... sbatch --parsable ... SCRIPT`; every value quoted for the remote shell."""
    options = [
        "--parsable",
        f"--job-name={job_name}",
        f"--cpus-per-task={int(cpus_per_task)}",
        f"--mem={mem}",
        f"--time={time}",
        f"--output={log_dir}/%x-%j.out",
        "--export=ALL",
    ]
    if partition:
        options.append(f"--partition={partition}")
    for key in environment:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise ValueError(f"not an environment variable name: {key!r}")
    assignments = [f"{key}={value}" for key, value in environment.items()]
    return (
        f"mkdir -p {shlex.quote(log_dir)} && env {' '.join(shlex.quote(a) for a in assignments)} "
        f"sbatch {' '.join(shlex.quote(o) for o in options)} {shlex.quote(script)}"
    )


def parse_sbatch(stdout: str) -> str:
    """`--parsable` prints `JOBID` or `JOBID;CLUSTER`."""
    line = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    return check_job_id(line.split(";", 1)[0].strip())


def _duration_s(text: str | None) -> int | None:
    """`[D-]HH:MM:SS`, `MM:SS` or `MM:SS.mmm` in seconds."""
    if not text or text in {"UNLIMITED", "INVALID", "N/A"}:
        return None
    days = 0
    if "-" in text:
        day_text, text = text.split("-", 1)
        days = int(day_text)
    parts = [float(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0.0)
    hours, minutes, seconds = parts
    return int(days * 86400 + hours * 3600 + minutes * 60 + seconds)


def _exit_code(text: str | None) -> tuple[int | None, int | None]:
    if not text or ":" not in text:
        return None, None
    code, signal = text.split(":", 1)
    return int(code), int(signal)


def scontrol_command() -> str:
    """Every job the controller still holds (finished ones for MinJobAge), one line each: one round trip."""
    return "scontrol -o show job"


def _fields(line: str) -> dict[str, str]:
    matches = list(_KEY.finditer(line))
    fields = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        fields[match.group(1)] = line[match.end():end].strip()
    return fields


def parse_scontrol(stdout: str) -> dict[str, JobState]:
    states = {}
    for line in stdout.splitlines():
        if not line.startswith("JobId="):
            continue
        fields = _fields(line)
        code, signal = _exit_code(fields.get("ExitCode"))
        job_id = fields["JobId"]
        states[job_id] = JobState(
            job_id=job_id,
            state=fields.get("JobState", UNKNOWN).split()[0],
            exit_code=code,
            signal=signal,
            elapsed_s=_duration_s(fields.get("RunTime")),
            reason=fields.get("Reason"),
        )
    return states


ACCOUNTING_MODES = ("auto", "slurmdbd", "jobcomp")


def sacct_command(job_ids: Iterable[str], *, completion_log: bool = True) -> str:
    """Finished jobs the controller has forgotten: from the job completion log (`-c`, JobCompType=jobcomp/filetxt,
    no slurmdbd needed) or from slurmdbd (plain `sacct`)."""
    ids = ",".join(check_job_id(j) for j in job_ids)
    return f"sacct{' -c' if completion_log else ''} -n -P -X -j {ids} -o JobID,State,ExitCode,Elapsed"


def accounting_command(job_ids: Iterable[str], accounting: str = "auto") -> str:
    """The lookup for `quanting.slurm.accounting`; `auto` asks slurmdbd and, when that fails (no slurmdbd
    configured or reachable), the job completion log, in the same round trip."""
    ids = list(job_ids)
    if accounting == "slurmdbd":
        return sacct_command(ids, completion_log=False)
    if accounting == "jobcomp":
        return sacct_command(ids)
    if accounting != "auto":
        raise ValueError(f"quanting.slurm.accounting must be one of {ACCOUNTING_MODES}, got {accounting!r}")
    return f"{sacct_command(ids, completion_log=False)} 2>/dev/null || {sacct_command(ids)}"


def parse_sacct(stdout: str) -> dict[str, JobState]:
    states = {}
    for line in stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 4 or not _JOB_ID.fullmatch(parts[0]):
            continue
        code, signal = _exit_code(parts[2])
        states[parts[0]] = JobState(parts[0], parts[1].split()[0], code, signal, _duration_s(parts[3]))
    return states


def scancel_command(job_id: str) -> str:
    return f"scancel {check_job_id(job_id)}"
