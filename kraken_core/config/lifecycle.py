"""Instrument file lifecycle options (`instruments.<id>.lifecycle`): moving aside and purging."""

from pydantic import Field

from kraken_core.config.base import Section


class InstrumentLifecycle(Section):
    file_move_delay_m: float = Field(default=5, ge=-1)
    min_free_space_gb: float = Field(default=200, ge=0)
    min_file_age_days: float = Field(default=14, ge=0)
