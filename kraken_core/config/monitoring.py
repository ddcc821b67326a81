"""Monitoring sections: `monitoring` (alert delivery, location thresholds) and `instruments.<id>.monitoring`.

Defaults are AlphaKraken's: 200 GB free on an instrument, 500 GB on backup, 300 GB on output, heartbeats at most
15 minutes old, more than 5 files of one instrument in one non-terminal status (10 in `quanting`) is a pile-up,
one message per alert and subject every 120 minutes. The alerts AlphaKraken's monitoring adds: an Evosep pump
pressure rise of more than 20 bar over 5 samples or 480 bar, more than 30 raw files older than 6 h not finished,
the companion's health, the worker's local disk below 10 GB, the file remover's heartbeat older than 24 h.

Alerts go to the operators' channel; those in `business_alerts` (what scientists act on) go to the business
channel when one is configured. Each channel is a Slack channel (bot token) and/or an incoming webhook (Slack or
Microsoft Teams); the webhook URLs are secrets: write `${OPS_ALERTS_WEBHOOK_URL:-}` in the YAML and keep the value
in the environment.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from kraken_core.config.base import Section

DEFAULT_PILE_UP_LIMIT = 5
DEFAULT_PILE_UP_LIMITS = {"quanting": 10}
# check names whose alerts scientists act on (AlphaKraken sends pump pressure to its business webhook)
DEFAULT_BUSINESS_ALERTS = ("no_new_raw_file_errors", "quality_metrics_in_bounds", "pump_pressure_normal",
                           "qc_series_in_control")
WebhookFormat = Literal["auto", "slack", "teams"]


class MetricBounds(Section):
    """Inclusive bounds of one quality metric (e.g. `proteins: {min: 3000}`); either side may be open."""

    min: float | None = None
    max: float | None = None


class PumpPressureRule(Section):
    """AlphaKraken's pump-pressure rule: a rise of more than `rise_bar` between the newest sample and the one
    `window_samples` samples before it (same gradient length within 10 %), or a newest sample of `max_bar` or more."""

    rise_bar: float = Field(default=20, gt=0)
    window_samples: int = Field(default=5, ge=1)
    max_bar: float = Field(default=480, gt=0)
    lookback_h: float = Field(default=24, gt=0)


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
    pump_pressure: PumpPressureRule = PumpPressureRule()
    instrument_file_pile_up_limit: int = Field(default=30, ge=0)
    instrument_file_min_age_h: float = Field(default=6, gt=0)
    companion_health_url: str | None = None  # default: companion_base_url + /healthz
    local_disk_path: Path = Path("/")
    local_min_free_space_gb: float = Field(default=10, ge=0)
    remover_heartbeat_max_age_h: float = Field(default=24, gt=0)
    business_slack_channel: str | None = None
    ops_alerts_webhook_url: str | None = None
    ops_alerts_webhook_format: WebhookFormat = "auto"
    business_alerts_webhook_url: str | None = None
    business_alerts_webhook_format: WebhookFormat = "auto"
    business_alerts: list[str] = Field(default_factory=lambda: list(DEFAULT_BUSINESS_ALERTS))

    @field_validator("ops_alerts_webhook_url", "business_alerts_webhook_url", "companion_health_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """An empty value (`${VAR:-}` with VAR unset) means "not configured"; anything else must be http(s)."""
        if not value:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("expected an http(s) URL")  # the value itself may be a secret: not repeated
        return value
