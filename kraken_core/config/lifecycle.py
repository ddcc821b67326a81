"""Instrument file lifecycle options: per instrument (`instruments.<id>.lifecycle`) and for the run (`lifecycle`).

`min_free_space_gb` here is the purge threshold; monitoring alerts use their own threshold
(`instruments.<id>.monitoring.min_free_space_gb`).
"""

from typing import Literal

from pydantic import Field, field_validator

from kraken_core.config.base import Section

MOVING_DISABLED = -1


class InstrumentLifecycle(Section):
    """`file_move_delay_m: -1` keeps finished files in the acquisition folder; `min_free_space_gb: 0` never purges."""

    file_move_delay_m: float = Field(default=5, ge=-1)
    min_free_space_gb: float = Field(default=200, ge=0)
    min_file_age_days: float = Field(default=14, ge=0)

    @field_validator("file_move_delay_m")
    @classmethod
    def _delay_or_disabled(cls, value: float) -> float:
        if value < 0 and value != MOVING_DISABLED:
            raise ValueError("expected minutes >= 0, or -1 to never move files of this instrument")
        return value

    @property
    def moves_files(self) -> bool:
        return self.file_move_delay_m != MOVING_DISABLED

    @property
    def purges_files(self) -> bool:
        return self.min_free_space_gb > 0


class LifecycleConfig(Section):
    """How the mover and the remover run.

    Files are moved or deleted only when `ENV=production` AND `production: true` AND neither `dry_run` here nor
    the run's own `dry_run` is set; every other combination reports what would happen.
    """

    purging_verification_type: Literal["pool", "s3"] = "pool"
    dry_run: bool = False
    mover_interval_s: int = Field(default=60, ge=10)
    remover_cron: str = "0 */12 * * *"
    max_errors_per_instrument: int = Field(default=3, ge=1)
