"""The one place that assembles the Definitions of the AlphaKraken code location.

`ENV` selects the environment; a bad configuration fails here, at start-up, naming the file and the key.
"""

from __future__ import annotations

import dagster as dg

from kraken_assets.catch_up import raw_file_catch_up
from kraken_assets.jobs import quanting_results, raw_file_pipeline
from kraken_assets.lifecycle import LifecycleDefinitions
from kraken_assets.monitoring import build_monitoring
from kraken_assets.partition_retirement import build_partition_retirement
from kraken_assets.quanting import alphadia_job, alphadia_output, quality_metrics
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_assets.raw_file_s3 import raw_file_s3, raw_file_s3_upload
from kraken_assets.record_backup import build_record_dump_schedules, mongodb_record_dump, record_dump_job
from kraken_assets.resources import build_resources
from kraken_core.config import load_config, load_environment
from kraken_core.config.loader import environment_name
from kraken_sensors.crash_recovery import build_crash_recovery
from kraken_sensors.instrument_watchers import build_instrument_watcher
from kraken_sensors.location_heartbeat import build_location_heartbeat
from kraken_sensors.s3_uploads import build_s3_upload_sensor
from kraken_sensors.slurm_jobs import build_slurm_job_sensor


def build_definitions(env: str | None = None) -> dg.Definitions:
    env = env or environment_name()
    load_environment(env)
    config = load_config(env)
    monitoring = build_monitoring(config)
    lifecycle = LifecycleDefinitions(config)
    partition_jobs, partition_schedules = build_partition_retirement(config)
    watchers = [
        build_instrument_watcher(config, instrument_id, raw_file_pipeline, raw_file_catch_up)
        for instrument_id in config.instruments
    ]
    s3_uploads = [build_s3_upload_sensor(config, raw_file_s3_upload)] if config.backup.backup_type == "s3" else []
    return dg.Definitions(
        assets=dg.with_source_code_references([
            raw_file, raw_file_backup, raw_file_s3,
            alphadia_job, alphadia_output, quality_metrics,
            mongodb_record_dump,
            *monitoring.assets,
            *lifecycle.assets,
        ]),
        jobs=[
            raw_file_pipeline, raw_file_catch_up, quanting_results, raw_file_s3_upload, record_dump_job,
            *monitoring.jobs, *lifecycle.jobs, *partition_jobs,
        ],
        sensors=[
            *watchers, build_location_heartbeat(config), *s3_uploads, build_crash_recovery(config, raw_file_pipeline),
            build_slurm_job_sensor(config, quanting_results),
            *monitoring.sensors, lifecycle.mover_sensor,
        ],
        schedules=[
            *build_record_dump_schedules(config), *monitoring.schedules, lifecycle.remover_schedule,
            *partition_schedules,
        ],
        resources=build_resources(env),
    )


defs = build_definitions()
