"""Instruments: type, health from `kraken_status`, newest raw file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kraken_core.config.schema import Vendor
from mcp_server.errors import NotInRecord
from mcp_server.record_reader import RecordReader

FILE_SYSTEM_IDS = frozenset({"backup", "output"})
_VENDOR_SUFFIXES = ((".raw", Vendor.THERMO), (".d", Vendor.BRUKER), (".wiff", Vendor.SCIEX))


class UnknownInstrument(NotInRecord):
    """No heartbeat, configuration or raw file knows this instrument id."""


def vendor_of_name(raw_file_name: str) -> str | None:
    """The vendor a raw file name belongs to, from its suffix (used when no configuration says)."""
    lowered = raw_file_name.lower()
    for suffix, vendor in _VENDOR_SUFFIXES:
        if lowered.endswith(suffix):
            return str(vendor)
    return None


def _heartbeats(reader: RecordReader) -> dict[str, dict[str, Any]]:
    """Instruments' heartbeats: not the file systems', nor the jobs' (`file_remover`, entity type `job`)."""
    return {doc["_id"]: doc for doc in reader.find("kraken_status", {})
            if doc["_id"] not in FILE_SYSTEM_IDS and doc.get("entity_type") != "job"}


def known_instrument_ids(reader: RecordReader, configured_types: dict[str, str]) -> list[str]:
    return sorted(set(_heartbeats(reader)) | set(configured_types))


def check_instrument(reader: RecordReader, instrument_id: str, configured_types: dict[str, str]) -> None:
    """Raise UnknownInstrument naming the known instruments unless `instrument_id` is one of them."""
    known = known_instrument_ids(reader, configured_types)
    if instrument_id in known or reader.find_one("raw_file", {"instrument_id": instrument_id}, projection={"_id": 1}):
        return
    raise UnknownInstrument(
        f"unknown instrument {instrument_id!r}; known instruments: {', '.join(known) or '(none recorded yet)'}"
    )


def _health(heartbeat: dict[str, Any] | None) -> dict[str, Any] | None:
    if heartbeat is None:
        return None
    return {
        "status": heartbeat.get("status"),
        "status_details": heartbeat.get("status_details"),
        "free_space_gb": heartbeat.get("free_space_gb"),
        "updated_at": heartbeat.get("updated_at_"),
        "last_error_occurred_at": heartbeat.get("last_error_occurred_at"),
    }


def _newest_raw_file(reader: RecordReader, instrument_id: str) -> dict[str, Any] | None:
    newest = reader.find(
        "raw_file",
        {"instrument_id": instrument_id},
        projection={"status": 1, "created_at": 1, "original_name": 1},
        sort=[("created_at", -1)],
        limit=1,
    )
    return newest[0] if newest else None


def _type_of(instrument_id: str, configured_types: dict[str, str], newest: dict[str, Any] | None) -> str | None:
    if instrument_id in configured_types:
        return configured_types[instrument_id]
    return vendor_of_name(newest.get("original_name") or newest["_id"]) if newest else None


def instrument_types(reader: RecordReader, configured_types: dict[str, str]) -> dict[str, str | None]:
    """Every known instrument with its vendor: from the configuration, else from its newest raw file's name."""
    return {
        instrument_id: _type_of(instrument_id, configured_types, _newest_raw_file(reader, instrument_id))
        for instrument_id in known_instrument_ids(reader, configured_types)
    }


def list_instruments(
    reader: RecordReader, configured_types: dict[str, str], now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every instrument, in AlphaKraken's shape (a list of items with `instrument_id`), each with what this platform
    knows about it besides."""
    now = now or datetime.now(UTC)
    heartbeats = _heartbeats(reader)
    instruments = []
    for instrument_id in sorted(set(heartbeats) | set(configured_types)):
        newest_doc = _newest_raw_file(reader, instrument_id)
        instruments.append(
            {
                "instrument_id": instrument_id,
                "type": _type_of(instrument_id, configured_types, newest_doc),
                "health": _health(heartbeats.get(instrument_id)),
                "newest_raw_file": None
                if newest_doc is None
                else {
                    "raw_file_id": newest_doc["_id"],
                    "created_at": newest_doc.get("created_at"),
                    "status": newest_doc.get("status"),
                },
                "raw_files_last_24h": len(reader.find(
                    "raw_file", {"instrument_id": instrument_id, "created_at": {"$gte": now - timedelta(days=1)}},
                    projection={"_id": 1},
                )),
            }
        )
    return instruments


def list_file_systems(reader: RecordReader) -> list[dict[str, Any]]:
    """Health of the backup and output file systems from their last heartbeat."""
    return [
        {"location": doc["_id"], **(_health(doc) or {})}
        for doc in reader.find("kraken_status", {"_id": {"$in": sorted(FILE_SYSTEM_IDS)}})
    ]
