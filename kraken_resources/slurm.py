"""The Slurm cluster over SSH: installs and checks the job script, submits, follows and cancels jobs."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import dagster as dg

from kraken_core import slurm
from kraken_core.config.schema import KrakenConfig
from kraken_core.quanting.job_header import job_script
from kraken_core.quanting.job_request import DEFAULT_SLURM_MEM, DEFAULT_SLURM_TIME, JOB_SCRIPT_NAME, JobRequest
from kraken_resources.job_engine import JobEngineResource
from kraken_resources.ssh import SshCommandError, SshResource, SshSession

_STALE_SCRIPT = 97


class SlurmCluster:
    """Slurm commands on one SSH session (one connection for a whole sensor tick or asset run)."""

    def __init__(self, ssh: SshSession, slurm_dir: str, partition: str | None = None,
                 job_header: tuple[str, ...] = (), accounting: str = "auto"):
        self.ssh = ssh
        self.slurm_dir = slurm_dir.rstrip("/")
        self.partition = partition
        self.job_header = tuple(job_header)
        self.accounting = accounting

    @property
    def host(self) -> str:
        return self.ssh.host

    @property
    def round_trips(self) -> int:
        return self.ssh.round_trips

    def _job_script(self) -> tuple[bytes, str]:
        return job_script(self.job_header)

    @property
    def script_path(self) -> str:
        return f"{self.slurm_dir}/{JOB_SCRIPT_NAME}"

    def install_job_script(self) -> None:
        data, _ = self._job_script()
        self.ssh.run(f"mkdir -p {shlex.quote(self.slurm_dir)}")
        self.ssh.put_file(data, self.script_path, mode=0o755)

    def _check_then(self, command: str) -> str:
        _, digest = self._job_script()
        check = f"{digest}  {self.script_path}"
        return (f"printf '%s\\n' {shlex.quote(check)} | sha256sum --check --status >/dev/null 2>&1 "
                f"|| exit {_STALE_SCRIPT}; {command}")

    def submit(self, request: JobRequest) -> str:
        """Submit after checking the cluster's job script is the current one (installing it if not)."""
        settings = request.settings
        command = slurm.sbatch_command(
            self.script_path,
            environment=request.environment,
            job_name=request.job_name,
            cpus_per_task=int(settings.get("slurm_cpus_per_task") or 1),
            mem=str(settings.get("slurm_mem") or DEFAULT_SLURM_MEM),
            time=str(settings.get("slurm_time") or DEFAULT_SLURM_TIME),
            log_dir=str(request.log_dir_cluster),
            partition=self.partition,
        )
        result = self.ssh.run(self._check_then(command), check=False)
        if result.exit_code == _STALE_SCRIPT:
            self.install_job_script()
            result = self.ssh.run(self._check_then(command), check=False)
        if result.exit_code != 0:
            raise SshCommandError(
                f"{self.ssh.host}: sbatch for raw file {request.raw_file_id} ({request.settings_label}) exited "
                f"{result.exit_code}: {(result.stderr or result.stdout).strip()[-500:]}"
            )
        return slurm.parse_sbatch(result.stdout)

    def job_states(self, job_ids: Iterable[str]) -> dict[str, slurm.JobState]:
        """States of many jobs: one `scontrol` round trip; accounting (`sacct` / `sacct -c`) only for jobs the
        controller forgot."""
        wanted = [slurm.check_job_id(j) for j in job_ids]
        if not wanted:
            return {}
        known = slurm.parse_scontrol(self.ssh.run(slurm.scontrol_command()).stdout)
        states = {j: known[j] for j in wanted if j in known}
        missing = [j for j in wanted if j not in states]
        if missing:
            found = self.accounting_states(missing)
            for job_id in missing:
                states[job_id] = found.get(job_id) or slurm.JobState(job_id, slurm.UNKNOWN)
        return states

    def accounting_states(self, job_ids: Iterable[str]) -> dict[str, slurm.JobState]:
        """Ended jobs from accounting (quanting.slurm.accounting), one round trip; {} when it cannot answer."""
        result = self.ssh.run(slurm.accounting_command(job_ids, self.accounting), check=False)
        return slurm.parse_sacct(result.stdout) if result.exit_code == 0 else {}

    def cancel(self, job_id: str) -> None:
        self.ssh.run(slurm.scancel_command(job_id))

    def read_text(self, path: str, limit: int = 200_000) -> str:
        return self.ssh.run(f"tail -c {int(limit)} -- {shlex.quote(path)}", check=False).stdout


class SlurmResource(JobEngineResource):
    """The cluster's head nodes (through `ssh`) and its Slurm folder, as the cluster sees it."""

    ssh: SshResource
    slurm_dir: str
    partition: str | None = None
    job_header: list[str] = []
    accounting: str = "auto"

    @contextmanager
    def session(self) -> Iterator[SlurmCluster]:
        with self.ssh.session() as ssh:
            yield SlurmCluster(ssh, self.slurm_dir, self.partition, tuple(self.job_header), self.accounting)


def build_slurm_resource(config: KrakenConfig) -> SlurmResource:
    """From `quanting` and `locations.slurm`; a password, if any, comes from SSH_PASSWORD (never the YAML)."""
    q = config.quanting
    slurm_location = config.locations.slurm
    slurm_dir = str((slurm_location.absolute_path or slurm_location.path) if slurm_location else "")
    ssh = SshResource(
        hosts=q.ssh_hosts,
        port=q.ssh_port,
        user=q.ssh_user or "",
        key_file=q.ssh_key_file,
        password=dg.EnvVar("SSH_PASSWORD") if os.environ.get("SSH_PASSWORD") else None,
        known_hosts_file=q.known_hosts_file or "",
        connect_timeout_s=q.ssh_connect_timeout_s,
        command_timeout_s=q.ssh_command_timeout_s,
        retries=q.ssh_retries,
        backoff_s=q.ssh_backoff_s,
    )
    return SlurmResource(ssh=ssh, slurm_dir=slurm_dir, partition=q.slurm_partition,
                         job_header=list(q.slurm.job_header), accounting=q.slurm.accounting)
