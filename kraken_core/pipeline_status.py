"""Status transitions of the raw-file pipeline that need a decision, not just a step forward."""

from __future__ import annotations

from kraken_core.config.schema import KrakenConfig
from kraken_core.quanting.processing_gate import refusal
from kraken_core.statuses import RawFileStatus


def keeps_failed_acquisition(doc: dict) -> bool:
    """A failed acquisition is still checksummed and backed up, but its status stays `acquisition_failed`."""
    return doc.get("status") == str(RawFileStatus.ACQUISITION_FAILED)


def status_after_backup(config: KrakenConfig, doc: dict) -> tuple[RawFileStatus, str | None]:
    """Where a raw file goes once its backup is verified: quantification, or done without it (and why)."""
    if keeps_failed_acquisition(doc):
        return RawFileStatus.ACQUISITION_FAILED, doc.get("status_details")
    refused = refusal(config, doc)
    if refused is not None:
        return refused
    return RawFileStatus.QUEUED_FOR_QUANTING, None
