"""Heartbeat of the backup and output locations in `kraken_status` (instruments report from their watchers).

The record's indexes are created at start-up (`kraken_assets/instance_pools.py`), not here."""


import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.monitoring.location_health import write_location_heartbeat
from kraken_resources import KrakenConfigResource, MongoResource


def build_location_heartbeat(config: KrakenConfig) -> dg.SensorDefinition:
    @dg.sensor(
        name="location_heartbeat",
        minimum_interval_seconds=config.timings.heartbeat_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Checks that the backup and output folders are mounted and readable; records free space.",
    )
    def _heartbeat(context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, mongo: MongoResource):
        cfg = kraken_config.get()
        db = mongo.get_database()
        lines = []
        for name in ("backup", "output"):
            health = write_location_heartbeat(db, cfg, name, "file_system")
            lines.append(f"{name}: {health.details}" + (f", {health.free_gb:.1f} GB free" if health.ok else ""))
            if not health.ok:
                context.log.error(health.details)
        return dg.SkipReason("; ".join(lines))

    return _heartbeat
