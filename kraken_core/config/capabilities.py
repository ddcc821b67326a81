"""Which optional capabilities a configuration switches on, so the Definitions hold only assets that can run.

An asset of a capability that is not configured would sit in the catalog as "Never materialized" (or 0 % filled)
forever and look broken; it is left out instead, together with its jobs, sensors, schedules and checks.
"""

from __future__ import annotations

from kraken_core.config.schema import KrakenConfig


def s3_configured(config: KrakenConfig) -> bool:
    """S3 uploads: `backup.backup_type: s3` (the sensor uploads every backup), or a `backup.s3` block (an operator
    uploads by hand with the `raw_file_s3_upload` job)."""
    return config.backup.backup_type == "s3" or "s3" in config.backup.model_fields_set


def lifecycle_configured(config: KrakenConfig) -> bool:
    """Moving and purging instrument files: a `lifecycle` section in the YAML (AlphaKraken's
    `backup.purging_verification_type` counts as one). Without it nothing would ever move or be purged, so the
    mover, the remover and the remover's heartbeat check are not defined."""
    return "lifecycle" in config.model_fields_set


def record_dump_configured(config: KrakenConfig) -> bool:
    """Dumps of the MongoDB record: a `record_backup` section with its path."""
    return config.record_backup is not None
