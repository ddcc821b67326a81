"""Deployment sections: `mounts` (how the CIFS shares are mounted on a worker host) and `record_backup`."""

from pathlib import Path

from pydantic import Field, field_validator

from kraken_core.config.base import Section


class MountsConfig(Section):
    """Options of the CIFS mounts; the credentials live in a root-only file on the host, never in the config."""

    credentials_file: Path = Path("/etc/alphakraken/cifs-credentials")
    vers: str = "3.0"
    uid: int | None = None
    gid: int | None = None
    file_mode: str = "0664"
    dir_mode: str = "0775"
    extra_options: list[str] = Field(default_factory=list)


class RecordBackupConfig(Section):
    """Dumps of the MongoDB record: one per hour of the day and one per weekday, each overwriting its slot."""

    path: Path
    cron: str = "0 * * * *"
    weekday_hour: int = Field(default=0, ge=0, le=23)

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"expected an absolute path, got {str(value)!r}")
        return value
