"""Quantification section (`quanting`): the Slurm cluster reached over SSH."""

from pydantic import Field

from kraken_core.config.base import Section


class QuantingConfig(Section):
    enabled: bool = False
    ssh_hosts: list[str] = Field(default_factory=list)
    ssh_port: int = 22
    ssh_user: str | None = None
    known_hosts_file: str | None = None
    max_parallel_jobs: int = Field(default=10, ge=1)
