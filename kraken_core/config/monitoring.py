"""Monitoring section (`monitoring`): health thresholds and Slack alert delivery."""

from pydantic import Field

from kraken_core.config.base import Section


class MonitoringConfig(Section):
    slack_channel: str | None = None
    alert_cooldown_m: float = Field(default=120, gt=0)
