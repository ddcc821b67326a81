"""Alert delivery through dagster-slack's `SlackResource`; without a token, alerts go to the log, clearly marked."""

from __future__ import annotations

import logging
from functools import cache
from typing import ClassVar

import dagster as dg
from dagster_slack import SlackResource
from slack_sdk.errors import SlackApiError

from kraken_resources.hidden_secrets import HidesSecrets


@cache
def _client(token: str, api_url: str | None):
    """One Slack client (and its HTTP session) per token and endpoint in the process, not one per message."""
    client = SlackResource(token=token).get_client()
    if api_url:
        client.base_url = api_url.rstrip("/") + "/"
    return client


class SlackAlertsResource(HidesSecrets, dg.ConfigurableResource):
    """`token` comes from the environment (`SLACK_TOKEN`); channel and API URL come from the YAML config."""

    secret_fields: ClassVar[frozenset[str]] = frozenset({"token"})

    token: str | None = None

    def enabled(self) -> bool:
        return bool(self.token)

    def post(self, channel: str | None, text: str, log: logging.Logger, api_url: str | None = None) -> bool:
        """Post one message; True when Slack accepted it (or it was logged because Slack is not configured)."""
        if not self.token or not channel:
            missing = "SLACK_TOKEN is not set" if not self.token else "monitoring.slack_channel is not configured"
            log.warning(f"ALERT (not sent to Slack: {missing}): {text}")
            return True
        try:
            _client(self.token, api_url).chat_postMessage(channel=channel, text=text, unfurl_links=False)
        except SlackApiError as err:
            log.error(f"Slack refused the alert for {channel}: {err.response.get('error')}; it is retried later")
            return False
        except OSError as err:
            log.error(f"Slack is unreachable ({type(err).__name__}: {err}); the alert for {channel} is retried later")
            return False
        return True
