"""One tick of following Slurm jobs: which to ask about, and what their answers change. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kraken_core.slurm import JobState


@dataclass
class FollowResult:
    changed: dict[str, list[dict]] = field(default_factory=dict)   # raw file id -> its updated job list
    finished: list[tuple[str, str]] = field(default_factory=list)  # (raw file id, run key), newest first
    running: int = 0


def pending_job_ids(docs: list[dict]) -> list[str]:
    return [job["job_id"] for doc in docs for job in doc.get("quanting_jobs") or []
            if job.get("job_id") and job.get("ended_at") is None]


def apply_states(docs: list[dict], states: dict[str, JobState], now: datetime) -> FollowResult:
    """Record new states; a raw file whose jobs have all ended is finished (its results can be read)."""
    result = FollowResult()
    for doc in docs:
        jobs = [dict(job) for job in doc.get("quanting_jobs") or []]
        changed = False
        for job in jobs:
            state = states.get(job.get("job_id") or "")
            if job.get("ended_at") is not None or state is None:
                continue
            if (state.state, state.elapsed_s) != (job.get("state"), job.get("elapsed_s")):
                job.update(state=state.state, exit_code=state.exit_code, elapsed_s=state.elapsed_s)
                changed = True
            if state.ended:
                job["ended_at"] = now
                changed = True
            else:
                result.running += 1
        if changed:
            result.changed[doc["_id"]] = jobs
        if jobs and all(job.get("ended_at") is not None for job in jobs):
            key = "+".join(str(job.get("job_id") or "associated") for job in jobs)
            result.finished.append((doc["_id"], f"results:{doc['_id']}:{key}"))
    return result
