"""`crash_recovery`: after a killed run worker or a crashed platform, every interrupted copy is finished without a
person: dead runs are failed and their pool slots freed, stale records get their staged temporary files removed
and a new pipeline run, and the operators get one message per recovered raw file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.monitoring.alert_policy import Observation
from kraken_core.monitoring.links import run_url
from kraken_core.record.copy_recoveries import find_in_flight, record_recovery, recovery_run_key
from kraken_core.stale_copies import LiveRuns, is_stale, recovery_details, remove_files, stale_after, staged_temp_files
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.slack import SlackAlertsResource
from kraken_sensors.alert_delivery import deliver
from kraken_sensors.dead_run_workers import fail_dead_runs, free_slots_of_dead_runs

ALERT = "stale_copy_recovered"
PARTITION_TAG = "dagster/partition"
LIVE_STATUSES = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING,
]


def live_runs(instance: dg.DagsterInstance) -> LiveRuns:
    partitions, run_ids = set(), set()
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=LIVE_STATUSES)):
        run = record.dagster_run
        run_ids.add(run.run_id)
        if run.root_run_id:
            run_ids.add(run.root_run_id)
        if run.tags.get(PARTITION_TAG):
            partitions.add(run.tags[PARTITION_TAG])
    return LiveRuns(frozenset(partitions), frozenset(run_ids))


def last_run_of(instance: dg.DagsterInstance, doc: dict) -> list[str]:
    if doc.get("catch_up_run_id"):
        return [doc["catch_up_run_id"]]
    records = instance.get_run_records(filters=dg.RunsFilter(tags={PARTITION_TAG: doc["_id"]}), limit=1)
    return [record.dagster_run.run_id for record in records]


def build_crash_recovery(config: KrakenConfig, pipeline_job: dg.JobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="crash_recovery",
        jobs=[pipeline_job],
        minimum_interval_seconds=config.timings.crash_check_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Finishes copies a killed run worker or a crashed platform left half done: fails runs whose worker "
            "process is gone (freeing their copies slots), removes the staged .kraken-tmp files of raw files left "
            "checksumming or copying with no live run, requests their backup run again, and posts one Slack message "
            "per recovered raw file. See docs/pipeline.md, After a crash."
        ),
    )
    def crash_recovery(
        context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, mongo: MongoResource,
        slack: SlackAlertsResource,
    ):
        cfg = kraken_config.get()
        db = mongo.get_database()
        instance = context.instance
        job_names = context.repository_def.job_names if context.repository_def else []
        seen_dead = set(json.loads(context.cursor)) if context.cursor else set()
        failed, first_seen = fail_dead_runs(instance, job_names, context.log, seen_dead)
        context.update_cursor(json.dumps(sorted(first_seen)))
        freed = free_slots_of_dead_runs(instance, context.log)
        live = live_runs(instance)
        requests, observations = [], []
        for doc in find_in_flight(db, stale_after(datetime.now(UTC), cfg)):
            if not is_stale(doc, live):
                continue
            staged = staged_temp_files(cfg, doc)
            run_key = recovery_run_key(doc)
            dead_runs = last_run_of(instance, doc)
            details = recovery_details(doc, dead_runs, staged, run_key)
            if not record_recovery(db, doc, details=details, run_key=run_key, dead_runs=dead_runs, removed=staged):
                continue  # a run took the raw file up since it was read
            remove_files(staged)
            context.log.warning(details)
            requests.append(dg.RunRequest(
                run_key=run_key, partition_key=doc["_id"], job_name=pipeline_job.name,
                tags={"instrument": doc["instrument_id"], "kraken/recovered_copy": run_key},
            ))
            observations.append(Observation(
                alert=ALERT, subject=doc["_id"], failing=True, text=details, kind="event", severity="WARN",
                link=run_url(cfg.webserver_base_url, dead_runs[0]) if dead_runs else None,
            ))
        summary = (f"{len(failed)} dead run(s) failed, slots of {len(freed)} ended run(s) freed, {len(requests)} "
                   f"interrupted copies recovered")
        if observations:
            summary += "; " + deliver(observations, ledger_name="crash_recovery", instance=instance, config=cfg,
                                      slack=slack, log=context.log, env=kraken_config.env)
        if not requests:
            return dg.SkipReason(summary)
        context.log.info(summary)
        return dg.SensorResult(run_requests=requests)

    return crash_recovery
