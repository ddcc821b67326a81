"""One tick of following Slurm jobs: which to ask about, and what their answers change. No I/O here.

When all jobs of a raw file have ended, its results run is requested. If the raw file is still `quanting`
`retry_after_s` after a request (the run crashed, or read a stale record), the request is repeated under a new
run key, up to `max_attempts`; then the raw file is given up as `error`. While a results run of the raw file is
still queued or running (`in_flight`: a backlog, a busy worker), it is waited for and no attempt is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kraken_core.slurm import JobState


@dataclass
class FollowResult:
    changed: dict[str, list[dict]] = field(default_factory=dict)   # raw file id -> its updated job list
    finished: list[tuple[str, str, int]] = field(default_factory=list)  # (raw file id, run key, attempt), newest first
    given_up: list[str] = field(default_factory=list)
    running: int = 0


def pending_job_ids(docs: list[dict]) -> list[str]:
    return [job["job_id"] for doc in docs for job in doc.get("quanting_jobs") or []
            if job.get("job_id") and job.get("ended_at") is None]


def _results_due(doc: dict, now: datetime, retry_after_s: float, max_attempts: int, in_flight: bool) -> int | None:
    """The attempt number to request now, 0 to give up, or None to wait."""
    request = doc.get("results_request") or {}
    attempts, requested_at = request.get("attempts") or 0, request.get("requested_at")
    if attempts == 0 or requested_at is None:
        return 1
    if in_flight or (now - requested_at).total_seconds() < retry_after_s:
        return None
    return attempts + 1 if attempts < max_attempts else 0


def waiting_for_results(docs: list[dict]) -> list[str]:
    """Raw files whose results run was requested before: the ones to ask Dagster about (queued or running?)."""
    return [doc["_id"] for doc in docs if ((doc.get("results_request") or {}).get("attempts") or 0) > 0]


def apply_states(
    docs: list[dict], states: dict[str, JobState], now: datetime, *, retry_after_s: float = 600,
    max_attempts: int = 3, in_flight: frozenset[str] | set[str] = frozenset(),
) -> FollowResult:
    """Record new states; a raw file whose jobs have all ended is finished (its results can be read).

    `in_flight`: raw files with a results run still queued or running."""
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
        if not jobs or any(job.get("ended_at") is None for job in jobs):
            continue
        attempt = _results_due(doc, now, retry_after_s, max_attempts, doc["_id"] in in_flight)
        if attempt == 0:
            result.given_up.append(doc["_id"])
        elif attempt is not None:
            key = "+".join(str(job.get("job_id") or "associated") for job in jobs)
            result.finished.append((doc["_id"], f"results:{doc['_id']}:{key}:{attempt}", attempt))
    return result
