"""What the platform knows about one location (an instrument, the backup pool, the output folder) right now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pymongo.database import Database

from kraken_core.config import KrakenConfig, LocationConfig
from kraken_core.locations import LocationHealth, check_location
from kraken_core.monitoring.free_space import FreeSpaceFileError, free_space_gb
from kraken_core.record.kraken_status import write_heartbeat
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


def min_free_space_gb(config: KrakenConfig, name: str) -> float:
    """The free-space threshold of a location: the one source of the `free_space` check and of the heartbeat the
    companion's status page reads."""
    if name == "backup":
        return config.monitoring.backup_min_free_space_gb
    if name == "output":
        return config.monitoring.output_min_free_space_gb
    return config.instruments[name].monitoring.min_free_space_gb


def measured_health(config: KrakenConfig, name: str, strict: bool = True) -> LocationHealth:
    """Mount and free space of one location, the free space from the disk or, where it names one, the free-space
    file: what the heartbeats record and the checks judge. A broken free-space file raises, unless not `strict`
    (a watcher keeps registering files whatever the file says): then the disk's value is used."""
    health = check_location(location_config(config, name), name)
    if not health.ok:
        return replace(health, free_gb=None)
    try:
        free = free_space_gb(health.free_gb, name, config.monitoring.free_space_file)
    except FreeSpaceFileError:
        if strict:
            raise
        free = health.free_gb
    return replace(health, free_gb=free)


def write_location_heartbeat(db: Database, config: KrakenConfig, name: str, entity_type: str,
                             health: LocationHealth | None = None, **extra) -> LocationHealth:
    """Record a location (measured now unless `health` is given) in `kraken_status`, with the free-space threshold
    it is judged by."""
    health = health or measured_health(config, name, strict=False)
    write_heartbeat(db, name, entity_type, health, min_free_space_gb=min_free_space_gb(config, name), **extra)
    return health


def measure_location(config: KrakenConfig, name: str, now: datetime | None = None) -> LocationReport:
    """Mount and free space of one location, from the disk (or the free-space file); no record access."""
    health = measured_health(config, name)
    return LocationReport(
        name=name,
        kind=location_kind(config, name),
        path=str(health.path),
        mount_ok=health.ok,
        details=health.details,
        free_gb=health.free_gb,
        measured_at=now or datetime.now(UTC),
    )


def with_record_facts(report: LocationReport, db: Database) -> LocationReport:
    """Add the record's facts; if MongoDB cannot be read, say so instead of failing the whole report."""
    try:
        return replace(report, record=read_record_facts(db, report.name, report.kind))
    except Exception as err:  # noqa: BLE001 - any driver error means "record unreachable" here
        return replace(report, record_error=f"{type(err).__name__}: {err}")
