"""A local HTTP server standing in for incoming webhooks (Slack, Microsoft Teams) and health endpoints.

Every POST is recorded with its path, content type and JSON body; `answer_status` sets what a POST gets (200, or
an error to see a refusal), `get_status` what a GET (a health probe) gets.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass

from tests.support.local_http import LocalHttpServer, QuietHandler


@dataclass(frozen=True)
class Posted:
    path: str
    content_type: str
    body: dict


class WebhookRecorder(LocalHttpServer):
    def __init__(self) -> None:
        self.posts: list[Posted] = []
        self.answer_status = 200
        self.get_status = 200
        self._lock = threading.Lock()
        recorder = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.body()
                with recorder._lock:
                    status = recorder.answer_status
                    if status < 300:
                        recorder.posts.append(Posted(self.path, self.headers.get("Content-Type", ""),
                                                     json.loads(raw or b"{}")))
                self.reply(status, b"ok" if status < 300 else b"invalid_token", "text/plain")

            def do_GET(self) -> None:  # noqa: N802
                ok = recorder.get_status == 200
                self.reply(recorder.get_status, b"ok" if ok else b"database unreachable", "text/plain")

        super().__init__(Handler)

    def url(self, name: str) -> str:
        """A webhook URL on this server, its path as secret-looking as a real one (generated per test)."""
        return f"{self.base_url}/{name}/{secrets.token_hex(8)}"

    def posted_to(self, name: str) -> list[Posted]:
        with self._lock:
            return [p for p in self.posts if p.path.startswith(f"/{name}/")]
