"""A local HTTP server standing in for Slack's Web API: it records every `chat.postMessage` call.

`slack_sdk.WebClient(base_url=recorder.api_url)` talks to it over real HTTP, so the request the product sends is
exactly what Slack would receive.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from tests.support.local_http import LocalHttpServer, QuietHandler


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    text: str
    authorization: str
    payload: dict


class SlackRecorder(LocalHttpServer):
    def __init__(self) -> None:
        self.messages: list[PostedMessage] = []
        self.refuse_with: str | None = None
        self._lock = threading.Lock()
        recorder = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.body().decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    payload = json.loads(body or "{}")
                else:
                    payload = dict(parse_qsl(body))
                method = self.path.rsplit("/", 1)[-1]
                answer = recorder._answer(method, payload, self.headers.get("Authorization", ""))
                self.reply(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

        super().__init__(Handler)

    def _answer(self, method: str, payload: dict, authorization: str) -> dict:
        if method != "chat.postMessage":
            return {"ok": False, "error": "unknown_method"}
        if not authorization.startswith("Bearer "):
            return {"ok": False, "error": "not_authed"}
        if self.refuse_with:
            return {"ok": False, "error": self.refuse_with}
        with self._lock:
            self.messages.append(PostedMessage(payload.get("channel", ""), payload.get("text", ""), authorization,
                                               payload))
        return {"ok": True, "channel": payload.get("channel"), "ts": f"{time.time():.6f}"}

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def texts(self) -> list[str]:
        with self._lock:
            return [m.text for m in self.messages]

    def channel_texts(self, channel: str) -> list[str]:
        with self._lock:
            return [m.text for m in self.messages if m.channel == channel]
