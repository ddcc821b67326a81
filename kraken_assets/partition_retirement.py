"""Jobs that keep the `raw_files` partition list small over years, and bring a retired partition back.

`retire_raw_file_partitions` (on `partitions.retire_cron`) deletes the partitions of raw files that are final
and unchanged for `partitions.retire_after_days`; `restore_raw_file_partitions` re-adds named ones so they can
be re-materialized. Deleting a dynamic partition keeps its materializations and run history in Dagster.
"""

from datetime import UTC, datetime

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_core.config import KrakenConfig
from kraken_core.partition_retirement import (
    UnknownRawFiles,
    plan_restore,
    plan_retirement,
)
from kraken_resources import KrakenConfigResource, MongoResource

OPEN_RUN_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def partitions_with_open_runs(instance: dg.DagsterInstance) -> set[str]:
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=OPEN_RUN_STATUSES))
    return {key for run in runs if (key := run.tags.get("dagster/partition"))}


@dg.op(description="Deletes the raw_files partitions of final raw files unchanged for partitions.retire_after_days.")
def retire_old_partitions(context: dg.OpExecutionContext, kraken_config: KrakenConfigResource,
                          mongo: MongoResource):
    settings = kraken_config.get().partitions
    if not settings.retires:
        return dg.Output(None, metadata={"retired": 0, "note": "partitions.retire_after_days is null"})
    instance = context.instance
    keys = instance.get_dynamic_partitions(raw_files_partitions.name)
    plan = plan_retirement(mongo.get_database(), keys, partitions_with_open_runs(instance), settings,
                           datetime.now(UTC))
    for key in plan.retire:
        instance.delete_dynamic_partition(raw_files_partitions.name, key)
    left = plan.eligible - len(plan.retire) - len(plan.busy)
    context.log.info(
        f"retired {len(plan.retire)} of {len(keys)} raw_files partitions (final and unchanged for "
        f"{settings.retire_after_days:g} days); {left} more wait for the next run, {len(plan.busy)} kept while a run "
        f"of theirs is open, {plan.not_in_record} without a raw_file document kept"
    )
    return dg.Output(None, metadata={
        "retired": len(plan.retire),
        "partitions_before": len(keys),
        "partitions_after": len(keys) - len(plan.retire),
        "left_for_next_run": left,
        "kept_open_runs": len(plan.busy),
        "not_in_record": plan.not_in_record,
        "retired_keys_sample": dg.MetadataValue.json(plan.retire[:50]),
    })


class RestorePartitionsConfig(dg.Config):
    raw_file_ids: list[str]


@dg.op(description="Adds the raw_files partitions of the named raw files back, so they can be re-materialized.")
def restore_partitions(context: dg.OpExecutionContext, config: RestorePartitionsConfig,
                       mongo: MongoResource):
    instance = context.instance
    existing = instance.get_dynamic_partitions(raw_files_partitions.name)
    try:
        plan = plan_restore(mongo.get_database(), config.raw_file_ids, set(existing))
    except UnknownRawFiles as err:
        raise dg.Failure(description=str(err)) from err
    if plan.add:
        instance.add_dynamic_partitions(raw_files_partitions.name, plan.add)
    context.log.info(f"restored {len(plan.add)} raw_files partitions ({', '.join(plan.add[:20]) or 'none'}); "
                     f"{len(plan.present)} already present. Materialize them from their partition page to re-run")
    return dg.Output(None, metadata={"restored": dg.MetadataValue.json(plan.add),
                                     "already_present": dg.MetadataValue.json(plan.present)})


@dg.job(description="Retires the raw_files partitions of old final raw files; their record and history stay.",
        tags={"kraken/area": "partitions"})
def retire_raw_file_partitions():
    retire_old_partitions()


@dg.job(description=("Brings retired raw_files partitions back: run config ops.restore_partitions.config."
                     "raw_file_ids lists the raw file ids."),
        tags={"kraken/area": "partitions"})
def restore_raw_file_partitions():
    restore_partitions()


def build_partition_retirement(config: KrakenConfig) -> tuple[list[dg.JobDefinition], list[dg.ScheduleDefinition]]:
    """Both jobs always (a restore is possible after retirement was switched off); the schedule when enabled."""
    jobs = [retire_raw_file_partitions, restore_raw_file_partitions]
    if not config.partitions.retires:
        return jobs, []
    schedule = dg.ScheduleDefinition(
        name="retire_raw_file_partitions_schedule",
        job=retire_raw_file_partitions,
        cron_schedule=config.partitions.retire_cron,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Retires raw_files partitions unchanged for {config.partitions.retire_after_days:g} days.",
    )
    return jobs, [schedule]


def build_partition_definitions(config: KrakenConfig) -> dg.Definitions:
    jobs, schedules = build_partition_retirement(config)
    return dg.Definitions(jobs=jobs, schedules=schedules)
