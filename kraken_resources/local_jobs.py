"""The local job engine as a resource: jobs as processes on the worker, under the Slurm folder's `local_jobs`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kraken_core.config.schema import KrakenConfig
from kraken_core.local_jobs import LocalJobs
from kraken_resources.job_engine import JobEngineResource

LOCAL_JOBS_FOLDER = "local_jobs"


class LocalJobsResource(JobEngineResource):
    jobs_dir: str
    max_parallel_jobs: int = 1

    @contextmanager
    def session(self) -> Iterator[LocalJobs]:
        yield LocalJobs(Path(self.jobs_dir), self.max_parallel_jobs)


def build_local_jobs_resource(config: KrakenConfig) -> LocalJobsResource:
    """Job folders beside the job logs, in `locations.slurm` (as the workers see it)."""
    slurm_location = config.locations.slurm
    jobs_dir = Path(slurm_location.path) / LOCAL_JOBS_FOLDER if slurm_location else Path(LOCAL_JOBS_FOLDER)
    return LocalJobsResource(jobs_dir=str(jobs_dir), max_parallel_jobs=config.quanting.local.max_parallel_jobs)
