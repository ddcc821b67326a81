"""The local job engine as a resource: jobs as processes on the worker, under the Slurm folder's `local_jobs`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kraken_core.config.schema import KrakenConfig
from kraken_core.local_jobs import LocalJobs, local_jobs_folder
from kraken_resources.job_engine import JobEngineResource


class LocalJobsResource(JobEngineResource):
    jobs_dir: str
    max_parallel_jobs: int = 1

    @contextmanager
    def session(self) -> Iterator[LocalJobs]:
        yield LocalJobs(Path(self.jobs_dir), self.max_parallel_jobs)


def build_local_jobs_resource(config: KrakenConfig) -> LocalJobsResource:
    slurm_location = config.locations.slurm
    jobs_dir = local_jobs_folder(slurm_location.path if slurm_location else None)
    return LocalJobsResource(jobs_dir=str(jobs_dir), max_parallel_jobs=config.quanting.local.max_parallel_jobs)
