"""How long a raw file keeps its Dagster partition (`partitions` section).

Dagster advises at most 100,000 partitions per asset and its UI slows down past about 40,000; a lab adding
100 raw files a day passes that within about a year. Raw files in a final status whose record has not changed
for `retire_after_days` lose their `raw_files` partition; their record, backups and Dagster event history stay.
"""

from pydantic import Field

from kraken_core.config.base import Section


class PartitionsConfig(Section):
    """`retire_after_days: null` keeps every partition for ever (no retirement schedule)."""

    retire_after_days: float | None = Field(default=180, gt=0)
    retire_cron: str = "15 4 * * *"
    retire_batch_size: int = Field(default=20_000, ge=1)

    @property
    def retires(self) -> bool:
        return self.retire_after_days is not None
