"""Concurrency pool limits from the configuration: the one place that says which setting limits which pool."""

from __future__ import annotations

from kraken_core.config import KrakenConfig

COPIES = "copies"
CLUSTER_SLOTS = "cluster_slots"
UPLOADS = "uploads"


def pool_limits(config: KrakenConfig) -> dict[str, int]:
    return {
        COPIES: config.backup.max_parallel_copies,
        CLUSTER_SLOTS: config.quanting.max_parallel_jobs,
        UPLOADS: config.backup.s3.max_parallel_uploads,
    }
