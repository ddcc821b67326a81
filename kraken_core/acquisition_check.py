"""Did the instrument finish the acquisition, or did it fail? The verdict behind `raw_file`'s acquisition check.

A failed acquisition (empty or missing main file, renamed `_CORRUPTED`, gone while being written) is still
checksummed and backed up as it is, so no byte of it is lost, but it is never quantified. Its partition must not
read as a success: the check fails with the file, its size and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from kraken_core.statuses import RawFileStatus

ACQUISITION_COMPLETE = "acquisition_complete"


@dataclass(frozen=True)
class AcquisitionVerdict:
    passed: bool
    description: str
    reason: str


def acquisition_verdict(doc: dict, size: int, file_count: int) -> AcquisitionVerdict:
    """The verdict of one raw file from its record (`status`, `status_details` as the watcher left them) and the
    size and number of files its checksum pass read."""
    raw_file_id, instrument = doc["_id"], doc.get("instrument_id") or "?"
    reason = doc.get("status_details") or "no reason recorded"
    if doc.get("status") != str(RawFileStatus.ACQUISITION_FAILED):
        return AcquisitionVerdict(True, f"{raw_file_id} on {instrument}: acquisition finished, {size:,} bytes in "
                                        f"{file_count} file(s)", reason)
    return AcquisitionVerdict(
        False,
        f"{raw_file_id} on {instrument}: the acquisition failed ({reason}); {size:,} bytes in {file_count} "
        f"file(s). It is backed up as it is and will not be quantified. At the instrument: check the run's log, "
        f"the sample and the instrument PC's disk, and acquire the sample again if it is needed; nothing is to "
        f"be done in AlphaKraken.",
        reason,
    )
