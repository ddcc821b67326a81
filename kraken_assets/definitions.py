"""The one place that assembles the Definitions of the AlphaKraken code location.

Each area (raw files, quantification, S3, lifecycle, monitoring, record backup, partitions) builds its own
assets, checks, jobs, sensors and schedules from the configuration; they are merged here with the resources of
the environment. `ENV` selects the environment; the configuration is loaded once, through the `kraken_config`
resource every asset and sensor reads, and a bad configuration fails here, at start-up, naming the file and the key.
"""

from __future__ import annotations

import dagster as dg

from kraken_assets.lifecycle import LifecycleDefinitions
from kraken_assets.monitoring import build_monitoring
from kraken_assets.partition_retirement import build_partition_definitions
from kraken_assets.quanting import build_quanting_definitions
from kraken_assets.raw_file_s3 import build_s3_definitions
from kraken_assets.raw_files import build_raw_files_definitions
from kraken_assets.record_backup import build_record_backup_definitions
from kraken_assets.resources import build_resources
from kraken_core.config import load_environment
from kraken_core.config.loader import environment_name
from kraken_resources import KrakenConfigResource


def build_definitions(env: str | None = None) -> dg.Definitions:
    env = env or environment_name()
    load_environment(env)  # ${ENV}.env: the variables the resources read through EnvVar, in every process
    kraken_config = KrakenConfigResource(env=env)
    config = kraken_config.get()
    areas = dg.Definitions.merge(
        build_raw_files_definitions(config),
        build_quanting_definitions(config),
        build_s3_definitions(config),
        LifecycleDefinitions(config).definitions(),
        build_monitoring(config).definitions(),
        build_record_backup_definitions(config),
        build_partition_definitions(config),
    )
    return dg.Definitions(
        assets=dg.with_source_code_references(list(areas.assets or [])),
        jobs=areas.jobs,
        sensors=areas.sensors,
        schedules=areas.schedules,
        resources=build_resources(kraken_config),
    )


defs = build_definitions()
