"""Alert messages as incoming-webhook bodies (Slack, or a Microsoft Teams Adaptive Card) and their delivery.

Messages are written in Slack's markup (`*bold*`, `<url|label>`, `:warning:`); a Teams card gets the same text in
its markdown, with the links also as buttons. A webhook URL carries its own secret, so errors name only its host.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any, Literal
from urllib.parse import urlsplit

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_EMOJI = {":warning:": "⚠️", ":red_circle:": "🔴", ":white_check_mark:": "✅"}
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def slack_body(text: str) -> dict[str, Any]:
    return {"text": text, "unfurl_links": False}


def teams_text(text: str) -> str:
    """Slack markup as Teams markdown: links `[label](url)`, bold `**x**`, emoji as characters, no `<!channel>`;
    text Slack needed escaped (`&lt;` ...) is shown as written."""
    text = text.replace("<!channel> ", "").replace("<!channel>", "")
    for code, char in _EMOJI.items():
        text = text.replace(code, char)
    text = _BOLD.sub(r"**\1**", text)
    text = _LINK.sub(r"[\2](\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def teams_body(text: str) -> dict[str, Any]:
    """A Teams incoming-webhook (or Workflows) message holding one Adaptive Card."""
    links = [{"type": "Action.OpenUrl", "title": label, "url": url} for url, label in _LINK.findall(text)]
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": teams_text(text), "wrap": True}],
    }
    if links:
        card["actions"] = links
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def webhook_body(text: str, kind: Literal["slack", "teams"]) -> dict[str, Any]:
    return slack_body(text) if kind == "slack" else teams_body(text)


def webhook_host(url: str) -> str:
    """What may be said about a webhook URL in a log: its host, never its path (the secret)."""
    return urlsplit(url).hostname or "(no host)"


def post_json(url: str, body: dict[str, Any], timeout_s: float = 10.0) -> str | None:
    """POST `body` as JSON; None when the webhook accepted it (2xx), else what went wrong (without the URL)."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    host = webhook_host(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - an operator's URL
            if 200 <= response.status < 300:
                return None
            return f"the webhook at {host} answered HTTP {response.status}"
    except urllib.error.HTTPError as err:
        return f"the webhook at {host} refused the message: HTTP {err.code} {err.reason}"
    except urllib.error.URLError as err:
        return f"the webhook at {host} is unreachable: {err.reason}"
    except (TimeoutError, OSError) as err:
        return f"the webhook at {host} did not answer within {timeout_s:g} s: {type(err).__name__}"
