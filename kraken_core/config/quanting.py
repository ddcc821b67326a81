"""Quantification section (`quanting`): where jobs run (a Slurm cluster reached over SSH, or this worker), and how
they are submitted."""

from typing import Literal

from pydantic import Field, field_validator, model_validator

from kraken_core.config.base import Section
from kraken_core.config.tools import ToolConfig, check_tool_names

OutputFolderMode = Literal["raise", "overwrite", "associate", "add"]
Accounting = Literal["auto", "slurmdbd", "jobcomp"]
# slurm: sbatch on the cluster's head nodes over SSH; local: a process on the worker (labs without a cluster)
Engine = Literal["slurm", "local"]


class SlurmSection(Section):
    # where finished jobs the controller has forgotten are looked up: `sacct` (slurmdbd), `sacct -c` (the
    # job-completion log, JobCompType=jobcomp/filetxt) or auto (sacct, then sacct -c, in one round trip)
    accounting: Accounting = "auto"
    # the site's job header: `#SBATCH --option=value` lines, then setup commands (module, source, export, ...)
    job_header: list[str] = Field(default_factory=list)

    @field_validator("job_header")
    @classmethod
    def _header(cls, value: list[str]) -> list[str]:
        from kraken_core.quanting.job_header import check_header

        return list(check_header(value))


class LocalEngineSection(Section):
    # jobs running at once on the worker (engine: local); further jobs wait, PENDING, in submission order
    max_parallel_jobs: int = Field(default=1, ge=1)


class QuantingConfig(Section):
    enabled: bool = False
    engine: Engine = "slurm"
    local: LocalEngineSection = LocalEngineSection()
    # head nodes in failover order, `host` or `host:port` (port defaults to ssh_port)
    ssh_hosts: list[str] = Field(default_factory=list)
    ssh_port: int = Field(default=22, ge=1, le=65535)
    ssh_user: str | None = None
    # private key file on the workers; a password comes from the SSH_PASSWORD environment variable instead
    ssh_key_file: str | None = None
    known_hosts_file: str | None = None
    ssh_connect_timeout_s: float = Field(default=10, gt=0)
    ssh_command_timeout_s: float = Field(default=120, gt=0)
    ssh_retries: int = Field(default=2, ge=0)
    ssh_backoff_s: float = Field(default=1.0, ge=0)
    max_parallel_jobs: int = Field(default=10, ge=1)
    job_sensor_interval_s: int = Field(default=15, ge=1)
    # a raw file still `quanting` this long after its results run was requested gets the run again (3 times)
    results_retry_after_s: float = Field(default=600, gt=0)
    output_folder_mode: OutputFolderMode = "add"
    # cluster folder holding conda environments (`<dir>/<env>/bin`); unset: `conda activate <env>` on the cluster
    conda_envs_dir: str | None = None
    slurm_partition: str | None = None
    slurm: SlurmSection = SlurmSection()
    # QC tools settings versions pick by name (MSQC, DIA-NN, Skyline, custom; see kraken_core/config/tools.py)
    tools: dict[str, ToolConfig] = Field(default_factory=dict)

    @field_validator("tools")
    @classmethod
    def _tool_names(cls, value: dict[str, ToolConfig]) -> dict[str, ToolConfig]:
        return check_tool_names(value)

    @field_validator("ssh_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
            if not name or any(c.isspace() for c in host) or (port and not port.isdigit()):
                raise ValueError(f"expected `host` or `host:port`, got {host!r}")
        return value

    @model_validator(mode="after")
    def _cluster_when_enabled(self) -> "QuantingConfig":
        if self.enabled and self.engine == "slurm" and not (self.ssh_hosts and self.ssh_user and self.known_hosts_file):
            raise ValueError("quanting.enabled with engine slurm needs ssh_hosts, ssh_user and known_hosts_file "
                             "(or engine: local, to run jobs on the worker)")
        return self
