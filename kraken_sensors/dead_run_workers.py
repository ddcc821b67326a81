"""Fail runs whose worker process is gone, and free the pool slots they held.

Dagster's default run launcher starts each run as a child process of the code server and cannot check it
(`supports_check_run_worker_health` is False), so run monitoring never notices a worker killed with the whole
platform: after a restart its run stays STARTED and keeps its `copies` slot for ever. Each run records its worker's
pid in an engine event ("Started process for run (pid: N)"); here the kernel is asked whether that process still
runs. Launchers that can check their workers (Docker, Kubernetes) are left to Dagster's run monitoring.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from kraken_core.run_worker import check_worker

PID_EVENT_PREFIX = "Started process for run"


@dataclass(frozen=True)
class FailedRun:
    run_id: str
    job_name: str
    reason: str


def can_check_here(instance: dg.DagsterInstance) -> bool:
    """Runs are children of a code server on this host, and Dagster cannot check them itself."""
    launcher = instance.run_launcher
    return isinstance(launcher, dg.DefaultRunLauncher) and not launcher.supports_check_run_worker_health


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, when it was recorded) of the newest worker process of a run, from its engine events."""
    found = None
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        if event is None or not (entry.message or "").startswith(PID_EVENT_PREFIX):
            continue
        pid = event.engine_event_data.metadata.get("pid")
        if pid is not None:
            found = (int(pid.value), entry.timestamp)
    return found


def fail_dead_runs(
    instance: dg.DagsterInstance, job_names: Iterable[str], log: logging.Logger, seen_dead: set[str]
) -> tuple[list[FailedRun], set[str]]:
    """Report every STARTED run of `job_names` whose worker is gone as failed, and free its pool slots.

    A run is failed only when its worker was already gone at the previous check (`seen_dead`): while the code
    server that started it is up, it reports the run failed itself within a second, and one failure is enough.
    Returns the runs failed now and the runs seen dead for the first time.
    """
    if not can_check_here(instance):
        return [], set()
    failed, first_seen = [], set()
    started = instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]), limit=500
    )
    names = set(job_names)
    for record in started:
        run = record.dagster_run
        if run.job_name not in names:
            continue
        recorded = worker_pid(instance, run.run_id)
        if recorded is None:
            continue
        check = check_worker(*recorded)
        if check.alive:
            continue
        if run.run_id not in seen_dead:
            first_seen.add(run.run_id)
            continue
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status != dg.DagsterRunStatus.STARTED:
            continue  # it ended on its own meanwhile
        reason = (
            f"run worker of run {run.run_id} ({run.job_name}) is gone: {check.reason}. It was killed (kill -9, "
            f"out of memory, or a crash of the platform); the run is marked failed and its pool slots are freed"
        )
        instance.report_run_failed(current, reason)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log.warning(reason)
        failed.append(FailedRun(run.run_id, run.job_name, check.reason))
    return failed, first_seen


def free_slots_of_dead_runs(instance: dg.DagsterInstance, log: logging.Logger) -> list[str]:
    """Free the pool slots still held by ended runs whose worker process is gone.

    Run monitoring frees them too (`free_slots_after_run_end_seconds`), after a grace meant for workers still
    finishing; a dead worker needs no grace, and the recovery run waits for its slot.
    """
    if not can_check_here(instance):
        return []
    storage = instance.event_log_storage
    holding = storage.get_concurrency_run_ids()
    if not holding:
        return []
    freed = []
    ended = instance.get_run_records(filters=dg.RunsFilter(run_ids=list(holding), statuses=[
        dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.SUCCESS]))
    for record in ended:
        run_id = record.dagster_run.run_id
        recorded = worker_pid(instance, run_id)
        if recorded is not None and check_worker(*recorded).alive:
            continue
        storage.free_concurrency_slots_for_run(run_id)
        log.warning(f"freed the pool slots still held by ended run {run_id} ({record.dagster_run.job_name}): "
                    f"its worker process is gone")
        freed.append(run_id)
    return freed
