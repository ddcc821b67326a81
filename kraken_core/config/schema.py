"""The schema of `envs/alphakraken.${ENV}.yaml`: one validated model instead of scattered variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kraken_core.config.base import Section
from kraken_core.config.catch_up import CatchUpConfig
from kraken_core.config.companion import CompanionConfig
from kraken_core.config.deployment import MountsConfig, RecordBackupConfig
from kraken_core.config.lifecycle import InstrumentLifecycle, LifecycleConfig
from kraken_core.config.monitoring import InstrumentMonitoring, MonitoringConfig
from kraken_core.config.partitions import PartitionsConfig
from kraken_core.config.qc import QcConfig, unknown_series_instruments
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
    # AlphaKraken's software folder: tools that are not conda environments (quanting.tools.<name>.executable)
    software: LocationConfig | None = None


class Timings(Section):
    """Every timing is configurable so tests and demos run in seconds. The acquisition windows default to
    AlphaKraken's proven ones: size unchanged for an hour, Zeno (Sciex ZT scan) conversion up to 24 h, a Bruker
    main file (`analysis.tdf_bin`) missing for 120 min."""

    watcher_interval_s: int = Field(default=30, ge=1)
    size_stable_window_s: float = Field(default=3600, gt=0)
    sciex_conversion_window_s: float = Field(default=86400, gt=0)
    missing_main_file_timeout_s: float = Field(default=7200, gt=0)
    heartbeat_interval_s: int = Field(default=60, ge=1)
    watcher_tick_budget_s: float = Field(default=30, gt=0, le=50)
    watcher_page_size: int = Field(default=500, ge=1)
    # after a crash: how often runs and records are checked, and how long a copy may stand still with no live
    # run before it is recovered (docs/pipeline.md, "After a crash")
    crash_check_interval_s: int = Field(default=30, ge=1)
    stale_copy_recovery_s: float = Field(default=120, gt=0)


class AcquisitionSwitches(Section):
    """AlphaKraken's two watcher switches (Airflow variables there, configuration keys here)."""

    # finish an acquisition at once when its main file is older than the youngest raw file of the folder by
    # more than old_file_age_difference_h (AlphaKraken: `consider_old_files_acquired`, 5 h); for a catch-up
    consider_old_files_acquired: bool = False
    old_file_age_difference_h: float = Field(default=5, gt=0)
    # register raw files older than this many hours as `ignored` (never backed up or quantified); unset: off
    # (AlphaKraken: `debug_max_file_age_in_hours`, -1 for off)
    max_file_age_in_hours: float | None = Field(default=None, gt=0)


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


# AlphaKraken's YAML spells the pool backup `local`, and keeps purging_verification_type under `backup`
# (`local`, `s3`, `force_local`); both are read as the same settings here
_ALPHAKRAKEN_VERIFICATION = {"local": "pool", "force_local": "pool", "s3": "s3", "pool": "pool"}


class BackupConfig(Section):
    backup_type: Literal["pool", "s3"] = "pool"
    overwrite: bool = False
    copy_buffer_mb: int = Field(default=8, ge=1, le=256)
    max_parallel_copies: int = Field(default=2, ge=1)
    progress_log_interval_s: float = Field(default=10, gt=0)
    s3: S3Config = S3Config()

    @field_validator("backup_type", mode="before")
    @classmethod
    def _alphakraken_local(cls, value):
        return "pool" if value == "local" else value


def _alphakraken_backup_keys(data):
    """Move AlphaKraken's `backup.purging_verification_type` to `lifecycle.purging_verification_type`."""
    if not isinstance(data, dict) or not isinstance(data.get("backup"), dict):
        return data
    backup = dict(data["backup"])
    if "purging_verification_type" not in backup:
        return data
    value = backup.pop("purging_verification_type")
    mapped = _ALPHAKRAKEN_VERIFICATION.get(value)
    if mapped is None:
        raise ValueError(f"backup.purging_verification_type {value!r}: expected one of local, s3, force_local")
    lifecycle = dict(data.get("lifecycle") or {})
    if lifecycle.get("purging_verification_type", mapped) != mapped:
        raise ValueError(f"backup.purging_verification_type {value!r} (AlphaKraken's key) contradicts "
                         f"lifecycle.purging_verification_type {lifecycle['purging_verification_type']!r}; keep one")
    lifecycle["purging_verification_type"] = mapped
    return {**data, "backup": backup, "lifecycle": lifecycle}


class KrakenConfig(Section):
    webserver_base_url: str = "http://127.0.0.1:3000"
    companion_base_url: str | None = None
    production: bool = False
    timings: Timings = Timings()
    acquisition: AcquisitionSwitches = AcquisitionSwitches()
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
    qc: QcConfig = QcConfig()
    companion: CompanionConfig = CompanionConfig()

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

    @model_validator(mode="before")
    @classmethod
    def _alphakraken_keys(cls, data):
        return _alphakraken_backup_keys(data)

    @model_validator(mode="after")
    def _quanting_locations(self) -> KrakenConfig:
        if self.quanting.enabled and (self.locations.settings is None or self.locations.slurm is None):
            raise ValueError("quanting.enabled needs locations.settings and locations.slurm (path for the workers, "
                             "absolute_path for the cluster)")
        return self

    @model_validator(mode="after")
    def _qc_instruments(self) -> KrakenConfig:
        unknown = unknown_series_instruments(self.qc, self.instruments)
        if unknown:
            raise ValueError(f"QC series name instruments that are not configured: {'; '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _software_folder(self) -> KrakenConfig:
        in_folder = sorted(name for name, tool in self.quanting.tools.items() if tool.conda_env is None)
        if in_folder and self.locations.software is None:
            raise ValueError(f"quanting.tools {', '.join(in_folder)}: executable is in the software folder (no "
                             f"conda_env), which needs locations.software (path for the workers, absolute_path for "
                             f"the cluster)")
        return self

    @model_validator(mode="after")
    def _production_mount_checks(self) -> KrakenConfig:
        """In production every folder is checked as mounted before it is read or written: an unmounted share is
        an empty local folder, and the platform would fill the worker's disk or report every file as gone.
        `locations.instruments` is only the folder the instrument shares are mounted under; each instrument's
        own folder is what is read, so each instrument needs its check."""
        if not self.production:
            return self
        unchecked = [f"locations.{name}" for name in type(self.locations).model_fields
                     if name != "instruments" and (location := getattr(self.locations, name)) is not None
                     and location.mount_check == "none"]
        unchecked += [f"instruments.{instrument_id}" for instrument_id, instrument in self.instruments.items()
                      if instrument.mount_check == "none"]
        if unchecked:
            raise ValueError(
                f"production: true needs a mount check for every location, and these have mount_check none: "
                f"{', '.join(unchecked)}. Set mount_check: mountpoint for each (its folder is a mounted share), "
                f"or mount_check: marker with a marker_file that exists only on the mounted share"
            )
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
