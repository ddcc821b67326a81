"""`mongodb_record_dump`: the MongoDB record dumped through pymongo into rotating slots, on a schedule."""

from datetime import datetime

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.config.capabilities import record_dump_configured
from kraken_core.record.dump_slots import dump_into_slots
from kraken_resources import KrakenConfigResource, MongoResource

SCHEDULED_TIME_TAG = "dagster/scheduled_execution_time"


def _slot_time(context: dg.AssetExecutionContext) -> datetime:
    """The schedule's tick time (so a late run still fills its own hour's slot), else now; local time."""
    scheduled = context.run.tags.get(SCHEDULED_TIME_TAG)
    return (datetime.fromisoformat(scheduled) if scheduled else datetime.now()).astimezone()


@dg.asset(
    group_name="operations",
    kinds={"mongodb"},
    owners=["team:lab-it"],
    description=(
        "A dump of every collection of the MongoDB record (mongodump's format, readable by mongorestore) in "
        "record_backup.path: one slot per hour of the day (hourly/HH) and one per weekday (weekday/N-Day). "
        "Restore with `python -m kraken_core.record.backup_cli restore <slot>`."
    ),
)
def mongodb_record_dump(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.MaterializeResult:
    settings = kraken_config.get().record_backup
    if settings is None:
        raise dg.Failure(description="record_backup is not configured; set record_backup.path in the YAML config")
    summary, written = dump_into_slots(mongo.get_database(), settings.path, _slot_time(context), settings.weekday_hour)
    documents = sum(summary.counts.values())
    context.log.info(f"dumped {documents} documents of {mongo.describe()} to {', '.join(map(str, written))}")
    return dg.MaterializeResult(
        metadata={
            "dump_path": dg.MetadataValue.path(str(summary.path)),
            "slots_written": dg.MetadataValue.json([str(p) for p in written]),
            "documents": dg.MetadataValue.int(documents),
            "size_mb": dg.MetadataValue.float(round(summary.bytes / 1e6, 3)),
            "point_in_time": dg.MetadataValue.bool(summary.point_in_time),
            "counts": dg.MetadataValue.json(summary.counts),
        }
    )


record_dump_job = dg.define_asset_job(
    name="record_dump",
    selection=dg.AssetSelection.assets(mongodb_record_dump),
    description="Dumps the MongoDB record into its rotating backup slots.",
)


def build_record_dump_schedules(config: KrakenConfig) -> list[dg.ScheduleDefinition]:
    """The dump schedule, only where `record_backup` is configured."""
    if not record_dump_configured(config):
        return []
    return [
        dg.ScheduleDefinition(
            name="record_dump_schedule",
            job=record_dump_job,
            cron_schedule=config.record_backup.cron,
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"Dumps the record to {config.record_backup.path} (hourly and weekday slots).",
        )
    ]


def build_record_backup_definitions(config: KrakenConfig) -> dg.Definitions:
    """The dump asset, its job and schedule, only where `record_backup` is configured."""
    if not record_dump_configured(config):
        return dg.Definitions()
    return dg.Definitions(assets=[mongodb_record_dump], jobs=[record_dump_job],
                          schedules=build_record_dump_schedules(config))
