"""Which channel an alert goes to: the operators' channel (the platform's faults) or the business channel (what
scientists must act on: a raw file in error, a failed QC, the pump pressure), as AlphaKraken routes its alerts
to an ops and a business webhook.

A channel is a Slack channel posted to with the bot token and/or an incoming webhook (Slack or Microsoft Teams).
An alert is a business alert when its check name is in `monitoring.business_alerts`. Without a business channel
configured, business alerts go to the operators' channel, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from kraken_core.config.monitoring import MonitoringConfig
from kraken_core.monitoring.alert_policy import Notice

OPERATORS = "operators"
BUSINESS = "business"
SLACK_WEBHOOK_PREFIX = "https://hooks.slack.com/"


@dataclass(frozen=True)
class Channel:
    audience: str
    slack_channel: str | None = None
    webhook_url: str | None = None
    webhook_format: Literal["slack", "teams"] = "slack"

    @property
    def destination(self) -> tuple[str | None, str | None]:
        return self.slack_channel, self.webhook_url


def webhook_format(url: str | None, configured: str) -> Literal["slack", "teams"]:
    """`auto` is AlphaKraken's rule: a Slack webhook URL starts with https://hooks.slack.com, any other is Teams."""
    if configured in ("slack", "teams"):
        return configured  # type: ignore[return-value]
    return "slack" if (url or "").startswith(SLACK_WEBHOOK_PREFIX) else "teams"


def channels(monitoring: MonitoringConfig) -> dict[str, Channel]:
    operators = Channel(
        OPERATORS, monitoring.slack_channel, monitoring.ops_alerts_webhook_url,
        webhook_format(monitoring.ops_alerts_webhook_url, monitoring.ops_alerts_webhook_format),
    )
    if not (monitoring.business_slack_channel or monitoring.business_alerts_webhook_url):
        return {OPERATORS: operators, BUSINESS: replace(operators, audience=BUSINESS)}
    business = Channel(
        BUSINESS, monitoring.business_slack_channel, monitoring.business_alerts_webhook_url,
        webhook_format(monitoring.business_alerts_webhook_url, monitoring.business_alerts_webhook_format),
    )
    return {OPERATORS: operators, BUSINESS: business}


def audience(alert: str, business_alerts: list[str]) -> str:
    """`location_health:no_new_raw_file_errors` -> business when `no_new_raw_file_errors` is a business alert."""
    return BUSINESS if alert.rsplit(":", 1)[-1] in business_alerts else OPERATORS


def route(notices: list[Notice], monitoring: MonitoringConfig) -> list[tuple[Channel, list[Notice]]]:
    """The notices grouped per destination, in their order; two audiences sharing one destination share a group."""
    by_audience = channels(monitoring)
    groups: dict[tuple[str | None, str | None], tuple[Channel, list[Notice]]] = {}
    for notice in notices:
        channel = by_audience[audience(notice.observation.alert, monitoring.business_alerts)]
        groups.setdefault(channel.destination, (channel, []))[1].append(notice)
    return list(groups.values())
