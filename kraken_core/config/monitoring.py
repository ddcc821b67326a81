"""Monitoring sections: `monitoring` (alert delivery, location thresholds) and `instruments.<id>.monitoring`."""

from pydantic import Field

from kraken_core.config.base import Section


class InstrumentMonitoring(Section):
    min_free_space_gb: float = Field(default=200, ge=0)
    stall_alert_hours: float | None = Field(default=None, gt=0)


class MonitoringConfig(Section):
    slack_channel: str | None = None
    alert_cooldown_m: float = Field(default=120, gt=0)
