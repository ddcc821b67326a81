"""Where quantification jobs run (`quanting.engine`): the Slurm cluster or this worker. Both resources give a session
with the same interface, so the assets and the job sensor never ask which one they have."""

from __future__ import annotations

from contextlib import AbstractContextManager

import dagster as dg


class JobEngineResource(dg.ConfigurableResource):
    """`session()` yields an object with `submit(request) -> job id`, `job_states(ids)`, `cancel(job id)`,
    `read_text(path)`, `host` (where the jobs were submitted) and `round_trips` (network round trips so far)."""

    def session(self) -> AbstractContextManager:
        raise NotImplementedError
