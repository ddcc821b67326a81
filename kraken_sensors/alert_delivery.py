"""Deliver alert observations: suppression rules, the cooldown ledger (kept in the Dagster instance, so it
survives restarts and needs no MongoDB), routing to the operators' or the business channel, digest against floods,
then Slack (bot token), an incoming webhook (Slack or Teams), or the log."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from dagster import DagsterInstance

from kraken_core.config import KrakenConfig
from kraken_core.monitoring.alert_messages import compose
from kraken_core.monitoring.alert_policy import AlertLedger, Observation
from kraken_core.monitoring.alert_routing import Channel, route
from kraken_core.monitoring.suppressions import SuppressionFileError, load_suppressions, split_suppressed
from kraken_core.monitoring.webhooks import post_json, webhook_body
from kraken_resources.slack import SlackAlertsResource

LEDGER_KEY_PREFIX = "alphakraken/alert_ledger/"


def load_ledger(instance: DagsterInstance, name: str, config: KrakenConfig, now: float) -> AlertLedger:
    key = LEDGER_KEY_PREFIX + name
    saved = instance.run_storage.get_cursor_values({key}).get(key)
    monitoring = config.monitoring
    return AlertLedger.from_json(saved, monitoring.alert_cooldown_m * 60, now, monitoring.max_alert_subjects)


def save_ledger(instance: DagsterInstance, name: str, ledger: AlertLedger) -> None:
    instance.run_storage.set_cursor_values({LEDGER_KEY_PREFIX + name: ledger.to_json()})


def deliver(
    observations: list[Observation],
    *,
    ledger_name: str,
    instance: DagsterInstance,
    config: KrakenConfig,
    slack: SlackAlertsResource,
    log: logging.Logger,
    env: str,
) -> str:
    """Send what the policy says to send; returns a one-line summary for the sensor's skip reason or log."""
    now = time.time()
    try:
        rules = load_suppressions(config.monitoring.suppressions_file)
    except SuppressionFileError as err:
        log.error(f"{err}; no alert is suppressed until the file is fixed")
        rules = []
    kept, suppressed = split_suppressed(observations, rules, datetime.now(UTC))
    for obs in suppressed:
        log.info(f"suppressed by {config.monitoring.suppressions_file}: {obs.alert} ({obs.subject}): {obs.text}")
    ledger = load_ledger(instance, ledger_name, config, now)
    notices = ledger.decide(kept, now)
    composed = delivered = 0
    for channel, channel_notices in route(notices, config.monitoring):
        messages = compose(channel_notices, env, config.production, config.monitoring.max_messages_per_evaluation)
        composed += len(messages)
        for message in messages:
            if send(channel, message.text, slack=slack, log=log, slack_api_url=config.monitoring.slack_api_url):
                delivered += 1
                for notice in message.notices:
                    ledger.sent(notice, now)
    save_ledger(instance, ledger_name, ledger)
    return (
        f"{len(observations)} observation(s), {len(suppressed)} suppressed, {len(notices)} notice(s) in "
        f"{composed} message(s), {delivered} delivered"
    )


def send(channel: Channel, text: str, *, slack: SlackAlertsResource, log: logging.Logger,
         slack_api_url: str | None) -> bool:
    """Post to the channel's webhook and/or its Slack channel; True when every configured one accepted it (a
    message one of them refused is sent again at the next evaluation, to both)."""
    accepted = True
    if channel.webhook_url:
        problem = post_json(channel.webhook_url, webhook_body(text, channel.webhook_format))
        if problem:
            log.error(f"the {channel.audience} alert was not delivered: {problem}; it is retried later")
            accepted = False
        if not (slack.enabled() and channel.slack_channel):
            return accepted
    return slack.post(channel.slack_channel, text, log, slack_api_url) and accepted
