"""Jobs the sensors request. Each raw file runs in one process: its steps are short-lived I/O, not parallel work."""

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup

raw_file_pipeline = dg.define_asset_job(
    name="raw_file_pipeline",
    selection=dg.AssetSelection.assets(raw_file, raw_file_backup),
    partitions_def=raw_files_partitions,
    executor_def=dg.in_process_executor,
    description="Checksums a finished raw file and backs it up, verified; requested by the instrument watchers.",
)
