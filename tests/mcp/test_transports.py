"""The real SDK client over stdio (spawning `python -m mcp_server`) and streamable HTTP asks every tool."""

from __future__ import annotations

from tests.mcp.checks import ask_every_tool
from tests.mcp.client import http_session, stdio_session


def test_every_tool_over_stdio(server_env, seeded):
    ask_every_tool(lambda: stdio_session(server_env), seeded[1])


def test_every_tool_over_streamable_http(http_server, seeded):
    ask_every_tool(lambda: http_session(http_server), seeded[1])
