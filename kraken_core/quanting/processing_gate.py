"""Whether a backed-up raw file is quantified at all, and if not, why (the reason goes to `status_details`)."""

from __future__ import annotations

import re

from kraken_core.config.schema import KrakenConfig
from kraken_core.statuses import RawFileStatus

ALLOWED_NAME = re.compile(r"[a-zA-Z0-9\-_+.]+")


def refusal(config: KrakenConfig, doc: dict) -> tuple[RawFileStatus, str] | None:
    """The final status and reason for a raw file that must not be quantified, or None if it may be."""
    name = doc["original_name"]
    if doc.get("status") == str(RawFileStatus.ACQUISITION_FAILED):
        return RawFileStatus.ACQUISITION_FAILED, doc.get("status_details") or "acquisition failed; not quantified"
    instrument = config.instruments.get(doc["instrument_id"])
    if instrument is not None and instrument.skip_quanting:
        return RawFileStatus.DONE_NOT_QUANTED, f"instrument {doc['instrument_id']} has skip_quanting set"
    if not config.quanting.enabled:
        return RawFileStatus.DONE_NOT_QUANTED, "quantification is not enabled in this environment (quanting.enabled)"
    if "_dda_" in name.lower():
        return RawFileStatus.DONE_NOT_QUANTED, f"{name}: DDA acquisition (`_dda_` in the name) is not quantified"
    if not ALLOWED_NAME.fullmatch(name):
        bad = "".join(sorted({c for c in name if not ALLOWED_NAME.fullmatch(c)}))
        return (
            RawFileStatus.DONE_NOT_QUANTED,
            f"{name!r}: the name contains characters outside [a-zA-Z0-9-_+.] ({bad!r}); rename the file to quantify it",
        )
    if doc.get("size") == 0:
        return RawFileStatus.DONE_NOT_QUANTED, f"{name}: the raw file is empty (0 bytes)"
    return None


def no_settings(doc: dict) -> tuple[RawFileStatus, str]:
    return (
        RawFileStatus.DONE_NOT_QUANTED,
        f"no active settings assigned to project {doc.get('project_id')} for instrument {doc['instrument_id']}; "
        f"assign settings to the project to quantify its files",
    )
