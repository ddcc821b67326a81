"""Monitoring sections: `monitoring` (alert delivery, location thresholds) and `instruments.<id>.monitoring`.

Defaults are AlphaKraken's: 200 GB free on an instrument, 500 GB on backup, 300 GB on output, heartbeats at most
15 minutes old, more than 5 files of one instrument in one non-terminal status (10 in `quanting`) is a pile-up,
one message per alert and subject every 120 minutes.
"""

from pathlib import Path

from pydantic import Field

from kraken_core.config.base import Section

DEFAULT_PILE_UP_LIMIT = 5
DEFAULT_PILE_UP_LIMITS = {"quanting": 10}


class MetricBounds(Section):
    """Inclusive bounds of one quality metric (e.g. `proteins: {min: 3000}`); either side may be open."""

    min: float | None = None
    max: float | None = None


class InstrumentMonitoring(Section):
    min_free_space_gb: float = Field(default=200, ge=0)
    stall_alert_hours: float | None = Field(default=None, gt=0)
    pile_up_limits: dict[str, int] = Field(default_factory=dict)
    quality_bounds: dict[str, MetricBounds] = Field(default_factory=dict)


class MonitoringConfig(Section):
    slack_channel: str | None = None
    slack_api_url: str | None = None
    alert_cooldown_m: float = Field(default=120, gt=0)
    health_cron: str = "*/5 * * * *"
    alert_interval_s: int = Field(default=30, ge=1)
    health_fresh_m: float = Field(default=15, gt=0)
    heartbeat_max_age_m: float = Field(default=15, gt=0)
    backup_min_free_space_gb: float = Field(default=500, ge=0)
    output_min_free_space_gb: float = Field(default=300, ge=0)
    pile_up_limits: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_PILE_UP_LIMITS))
    suppressions_file: Path | None = None
    free_space_file: Path | None = None
    max_alert_subjects: int = Field(default=500, ge=10)
    max_messages_per_evaluation: int = Field(default=5, ge=1)
