"""The raw-file area: a raw file from its instrument folder to its verified backup.

Assets `raw_file` and `raw_file_backup` (with its blocking check), the job that runs them (and the quantification
submission) for one raw file, the catch-up job for a backlog, and the sensors that request them: one watcher per
instrument, the location heartbeat and crash recovery.
"""

import dagster as dg

from kraken_assets.catch_up import catch_up_run_config, raw_file_catch_up
from kraken_assets.partitions import raw_files_partitions
from kraken_assets.quanting import alphadia_job
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.config import KrakenConfig
from kraken_sensors.crash_recovery import build_crash_recovery
from kraken_sensors.instrument_watchers import RawFileRuns, build_instrument_watcher
from kraken_sensors.location_heartbeat import build_location_heartbeat

raw_file_pipeline = dg.define_asset_job(
    name="raw_file_pipeline",
    selection=dg.AssetSelection.assets(raw_file, raw_file_backup, alphadia_job),
    partitions_def=raw_files_partitions,
    executor_def=dg.in_process_executor,  # each raw file's steps are short-lived I/O, not parallel work
    description=(
        "Checksums a finished raw file, backs it up verified, and submits its quantification jobs; requested by the "
        "instrument watchers."
    ),
)

raw_file_runs = RawFileRuns(
    pipeline_job=raw_file_pipeline,
    catch_up_job=raw_file_catch_up,
    catch_up_run_config=catch_up_run_config,
    partitions=raw_files_partitions,
)


def build_raw_files_definitions(config: KrakenConfig) -> dg.Definitions:
    return dg.Definitions(
        assets=[raw_file, raw_file_backup],
        jobs=[raw_file_pipeline, raw_file_catch_up],
        sensors=[
            *(build_instrument_watcher(config, instrument_id, raw_file_runs) for instrument_id in config.instruments),
            build_location_heartbeat(config),
            build_crash_recovery(config, raw_file_pipeline),
        ],
    )
