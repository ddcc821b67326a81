"""Concurrency pool limits from the configuration: the one place that says which setting limits which pool."""

from __future__ import annotations

from kraken_core.config import KrakenConfig

COPIES = "copies"
CLUSTER_SLOTS = "cluster_slots"
UPLOADS = "uploads"
INSTRUMENT_FILES = "instrument_files"


def pool_limits(config: KrakenConfig) -> dict[str, int]:
    return {
        COPIES: config.backup.max_parallel_copies,
        CLUSTER_SLOTS: config.quanting.max_parallel_jobs,
        UPLOADS: config.backup.s3.max_parallel_uploads,
        # the mover and the remover never work on instrument files at the same time
        INSTRUMENT_FILES: 1,
    }
