"""Jobs and schedules that keep `location_health` (every partition) and `platform_services` fresh."""

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.monitoring.location_health import location_names

MONITORING_TAG = "alphakraken/monitoring"


def build_health_jobs(
    config: KrakenConfig, location_health: dg.AssetsDefinition, platform_services: dg.AssetsDefinition
) -> tuple[list, list[dg.ScheduleDefinition]]:
    location_job = dg.define_asset_job(
        name="monitor_locations",
        selection=dg.AssetSelection.assets(location_health),
        executor_def=dg.in_process_executor,
        description="Measures one location (instrument, backup, output) and evaluates its monitoring checks.",
    )
    platform_job = dg.define_asset_job(
        name="monitor_platform_services",
        selection=dg.AssetSelection.assets(platform_services),
        executor_def=dg.in_process_executor,
        description="Checks that MongoDB and the Slurm head nodes are reachable.",
    )

    @dg.schedule(
        name="monitor_locations_schedule",
        cron_schedule=config.monitoring.health_cron,
        job=location_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every location's health, on monitoring.health_cron (default every 5 minutes).",
    )
    def monitor_locations_schedule(context: dg.ScheduleEvaluationContext):
        tick = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "manual"
        return [
            dg.RunRequest(run_key=f"{name}@{tick}", partition_key=name, tags={MONITORING_TAG: "location"})
            for name in location_names(config)
        ]

    platform_schedule = dg.ScheduleDefinition(
        name="monitor_platform_services_schedule",
        cron_schedule=config.monitoring.health_cron,
        job=platform_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags={MONITORING_TAG: "platform"},
    )
    return [location_job, platform_job], [monitor_locations_schedule, platform_schedule]
