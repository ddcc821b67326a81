"""What the platform knows about one location (an instrument, the backup pool, the output folder) right now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pymongo.database import Database

from kraken_core.config import KrakenConfig, LocationConfig
from kraken_core.locations import check_location
from kraken_core.monitoring.free_space import free_space_gb
from kraken_core.record.location_facts import RecordFacts, read_record_facts

FILE_SYSTEMS = ("backup", "output")


def location_names(config: KrakenConfig) -> list[str]:
    """Every monitored location: each configured instrument, then `backup` and `output`."""
    return [*config.instruments, *FILE_SYSTEMS]


def location_config(config: KrakenConfig, name: str) -> LocationConfig:
    if name in FILE_SYSTEMS:
        return getattr(config.locations, name)
    return config.instrument_location(name)


def location_kind(config: KrakenConfig, name: str) -> str:
    return name if name in FILE_SYSTEMS else "instrument"


@dataclass(frozen=True)
class LocationReport:
    name: str
    kind: str
    path: str
    mount_ok: bool
    details: str
    free_gb: float | None
    measured_at: datetime
    record: RecordFacts | None = None
    record_error: str | None = None

    def newest_file_age_s(self) -> float | None:
        if self.record is None or self.record.newest_file_at is None:
            return None
        return (self.measured_at - self.record.newest_file_at).total_seconds()

    def heartbeat_age_s(self) -> float | None:
        if self.record is None or self.record.heartbeat_at is None:
            return None
        return (self.measured_at - self.record.heartbeat_at).total_seconds()


def measure_location(config: KrakenConfig, name: str, now: datetime | None = None) -> LocationReport:
    """Mount and free space of one location, from the disk (or the free-space file); no record access."""
    health = check_location(location_config(config, name), name)
    free = free_space_gb(health.free_gb, name, config.monitoring.free_space_file) if health.ok else None
    return LocationReport(
        name=name,
        kind=location_kind(config, name),
        path=str(health.path),
        mount_ok=health.ok,
        details=health.details,
        free_gb=free,
        measured_at=now or datetime.now(UTC),
    )


def with_record_facts(report: LocationReport, db: Database) -> LocationReport:
    """Add the record's facts; if MongoDB cannot be read, say so instead of failing the whole report."""
    try:
        return replace(report, record=read_record_facts(db, report.name, report.kind))
    except Exception as err:  # noqa: BLE001 - any driver error means "record unreachable" here
        return replace(report, record_error=f"{type(err).__name__}: {err}")
