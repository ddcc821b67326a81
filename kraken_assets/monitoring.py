"""Everything monitoring adds to the Definitions: health assets with their checks, their jobs and schedules,
and the alert sensors."""

from dataclasses import dataclass

import dagster as dg

from kraken_assets.health import build_location_health
from kraken_assets.health_schedules import build_health_jobs
from kraken_assets.platform_services import HeadNodeProbe, build_platform_services
from kraken_assets.qc_checks import qc_checks
from kraken_assets.quality_checks import quality_metrics_in_bounds
from kraken_core.config import KrakenConfig
from kraken_sensors.alerts import build_check_alerts, build_run_failure_alerts


@dataclass(frozen=True)
class MonitoringDefinitions:
    assets: list[dg.AssetsDefinition]  # and the check on quality_metrics, which Definitions accepts among assets
    jobs: list
    schedules: list[dg.ScheduleDefinition]
    sensors: list[dg.SensorDefinition]

    def definitions(self) -> dg.Definitions:
        return dg.Definitions(assets=self.assets, jobs=self.jobs, schedules=self.schedules, sensors=self.sensors)


def build_monitoring(config: KrakenConfig, head_node_probe: HeadNodeProbe | None = None) -> MonitoringDefinitions:
    location_health = build_location_health(config)
    platform_services = build_platform_services(config, head_node_probe)
    jobs, schedules = build_health_jobs(config, location_health, platform_services)
    return MonitoringDefinitions(
        assets=[location_health, platform_services, quality_metrics_in_bounds, *qc_checks(config)],
        jobs=jobs,
        schedules=schedules,
        sensors=[build_check_alerts(config), build_run_failure_alerts(config)],
    )
