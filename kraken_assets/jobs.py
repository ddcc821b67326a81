"""Jobs the sensors request. Each raw file runs in one process: its steps are short-lived I/O, not parallel work."""

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.quanting import alphadia_job, alphadia_output, quality_metrics
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup

raw_file_pipeline = dg.define_asset_job(
    name="raw_file_pipeline",
    selection=dg.AssetSelection.assets(raw_file, raw_file_backup, alphadia_job),
    partitions_def=raw_files_partitions,
    executor_def=dg.in_process_executor,
    description=(
        "Checksums a finished raw file, backs it up verified, and submits its quantification jobs; requested by the "
        "instrument watchers."
    ),
)

quanting_results = dg.define_asset_job(
    name="quanting_results",
    selection=dg.AssetSelection.assets(alphadia_output, quality_metrics),
    partitions_def=raw_files_partitions,
    executor_def=dg.in_process_executor,
    description="Reads the output of a raw file's ended Slurm jobs into metrics; requested by the slurm_jobs sensor.",
)
