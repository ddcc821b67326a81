"""The schema of `envs/alphakraken.${ENV}.yaml`: one validated model instead of scattered variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kraken_core.config.base import Section
from kraken_core.config.catch_up import CatchUpConfig
from kraken_core.config.deployment import MountsConfig, RecordBackupConfig
from kraken_core.config.lifecycle import InstrumentLifecycle, LifecycleConfig
from kraken_core.config.monitoring import InstrumentMonitoring, MonitoringConfig
from kraken_core.config.partitions import PartitionsConfig
from kraken_core.config.quanting import QuantingConfig
from kraken_core.config.s3 import S3Config
from kraken_core.safe_paths import UnsafePathError, check_plain_name


class Vendor(StrEnum):
    THERMO = "thermo"
    BRUKER = "bruker"
    SCIEX = "sciex"


MountCheck = Literal["none", "mountpoint", "marker"]


class LocationConfig(Section):
    """A folder the workers use; `absolute_path` is the same folder as the cluster sees it."""

    path: Path
    absolute_path: Path | None = None
    mount_check: MountCheck = "none"
    marker_file: str = ".alphakraken_mounted"
    share: str | None = None  # CIFS share mounted at `path`, e.g. //fileserver/pool

    @field_validator("path", "absolute_path")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_absolute():
            raise ValueError(f"expected an absolute path, got {str(value)!r}")
        return value


class Locations(Section):
    instruments: LocationConfig
    backup: LocationConfig
    output: LocationConfig
    settings: LocationConfig | None = None
    slurm: LocationConfig | None = None
    logs: LocationConfig | None = None


class Timings(Section):
    """Every timing is configurable so tests and demos run in seconds."""

    watcher_interval_s: int = Field(default=30, ge=1)
    size_stable_window_s: float = Field(default=300, gt=0)
    sciex_conversion_window_s: float = Field(default=1800, gt=0)
    missing_main_file_timeout_s: float = Field(default=1800, gt=0)
    heartbeat_interval_s: int = Field(default=60, ge=1)
    watcher_tick_budget_s: float = Field(default=30, gt=0, le=50)
    watcher_page_size: int = Field(default=500, ge=1)
    # after a crash: how often runs and records are checked, and how long a copy may stand still with no live
    # run before it is recovered (docs/pipeline.md, "After a crash")
    crash_check_interval_s: int = Field(default=30, ge=1)
    stale_copy_recovery_s: float = Field(default=120, gt=0)


class InstrumentConfig(Section):
    type: Vendor
    path: Path | None = None
    mount_check: MountCheck = "none"
    marker_file: str = ".alphakraken_mounted"
    share: str | None = None  # CIFS share of the instrument PC, mounted at its folder
    skip_quanting: bool = False
    overwrite_backup: bool = False
    lifecycle: InstrumentLifecycle = InstrumentLifecycle()
    monitoring: InstrumentMonitoring = InstrumentMonitoring()


class BackupConfig(Section):
    backup_type: Literal["pool", "s3"] = "pool"
    overwrite: bool = False
    copy_buffer_mb: int = Field(default=8, ge=1, le=256)
    max_parallel_copies: int = Field(default=2, ge=1)
    progress_log_interval_s: float = Field(default=10, gt=0)
    s3: S3Config = S3Config()


class KrakenConfig(Section):
    webserver_base_url: str = "http://127.0.0.1:3000"
    companion_base_url: str | None = None
    production: bool = False
    timings: Timings = Timings()
    locations: Locations
    instruments: dict[str, InstrumentConfig]
    backup: BackupConfig = BackupConfig()
    quanting: QuantingConfig = QuantingConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    lifecycle: LifecycleConfig = LifecycleConfig()
    project_ids: list[str] = Field(default_factory=list)
    mounts: MountsConfig = MountsConfig()
    record_backup: RecordBackupConfig | None = None
    partitions: PartitionsConfig = PartitionsConfig()
    catch_up: CatchUpConfig = CatchUpConfig()

    @field_validator("instruments")
    @classmethod
    def _instrument_ids(cls, value: dict[str, InstrumentConfig]) -> dict[str, InstrumentConfig]:
        if not value:
            raise ValueError("expected at least one instrument")
        for instrument_id in value:
            try:
                check_plain_name(instrument_id, "instrument id")
            except UnsafePathError as err:
                raise ValueError(str(err)) from err
            if instrument_id in {"backup", "output"}:
                raise ValueError(f"instrument id {instrument_id!r} is reserved for a location")
        return value

    @model_validator(mode="after")
    def _quanting_locations(self) -> KrakenConfig:
        if self.quanting.enabled and (self.locations.settings is None or self.locations.slurm is None):
            raise ValueError("quanting.enabled needs locations.settings and locations.slurm (path for the workers, "
                             "absolute_path for the cluster)")
        return self

    @model_validator(mode="after")
    def _locations_differ(self) -> KrakenConfig:
        backup = self.locations.backup.path
        for instrument_id in self.instruments:
            folder = self.instrument_folder(instrument_id)
            if folder == backup or backup in folder.parents or folder in backup.parents:
                raise ValueError(f"instrument {instrument_id!r} folder {folder} overlaps the backup location {backup}")
        return self

    def instrument_folder(self, instrument_id: str) -> Path:
        instrument = self.instruments[instrument_id]
        return instrument.path or self.locations.instruments.path / instrument_id

    def instrument_location(self, instrument_id: str) -> LocationConfig:
        instrument = self.instruments[instrument_id]
        return LocationConfig(
            path=self.instrument_folder(instrument_id),
            mount_check=instrument.mount_check,
            marker_file=instrument.marker_file,
        )
