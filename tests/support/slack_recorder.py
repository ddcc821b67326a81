"""A local HTTP server standing in for Slack's Web API: it records every `chat.postMessage` call.

`slack_sdk.WebClient(base_url=recorder.api_url)` talks to it over real HTTP, so the request the product sends is
exactly what Slack would receive.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    text: str
    authorization: str
    payload: dict


class SlackRecorder:
    def __init__(self) -> None:
        self.messages: list[PostedMessage] = []
        self.refuse_with: str | None = None
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    payload = json.loads(body or "{}")
                else:
                    payload = dict(parse_qsl(body))
                method = self.path.rsplit("/", 1)[-1]
                answer = recorder._answer(method, payload, self.headers.get("Authorization", ""))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

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
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def texts(self) -> list[str]:
        with self._lock:
            return [m.text for m in self.messages]

    def start(self) -> SlackRecorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
