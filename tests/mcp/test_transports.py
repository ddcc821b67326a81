"""The real SDK client over stdio (spawning `python -m mcp_server`) and streamable HTTP asks every tool."""

from __future__ import annotations

import httpx

from tests.mcp.checks import ask_every_tool
from tests.mcp.client import http_session, stdio_session
from tests.mcp.server_process import serving_http


def test_every_tool_over_stdio(server_env, seeded):
    ask_every_tool(lambda: stdio_session(server_env), seeded[1])


def test_every_tool_over_streamable_http(http_server, seeded):
    ask_every_tool(lambda: http_session(http_server), seeded[1])


def test_http_answers_only_the_allowed_host_names(server_env):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "test", "version": "1"}}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    with serving_http(server_env, MCP_ALLOWED_HOSTS="kraken.lab.example:*") as url:
        port = url.split(":")[2].split("/")[0]
        foreign = httpx.post(url, json=initialize, headers={**headers, "Host": f"evil.example:{port}"})
        assert foreign.status_code == 421
        allowed = httpx.post(url, json=initialize, headers={**headers, "Host": f"kraken.lab.example:{port}"})
        assert allowed.status_code == 200 and "AlphaKraken" in allowed.text
