"""The real MCP client of the SDK (`ClientSession`) over stdio, streamable HTTP and in memory."""

from __future__ import annotations

import json
import ssl
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client._memory import InMemoryTransport
from mcp.client.streamable_http import streamable_http_client

from tests.support.platform import ROOT


@asynccontextmanager
async def stdio_session(env: dict[str, str]) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server"], env=env, cwd=str(ROOT))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def http_session(url: str, headers: dict[str, str] | None = None,
                       verify: ssl.SSLContext | None = None) -> AsyncIterator[ClientSession]:
    """`headers` (e.g. the entrance's bearer token) go with every request; `verify` trusts a test certificate.
    The timeouts are the SDK's own client's (30 s, 300 s for a response stream)."""
    timeout = httpx2.Timeout(30, read=300)
    async with httpx2.AsyncClient(headers=headers, verify=verify or True, timeout=timeout) as client, \
            streamable_http_client(url, http_client=client) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def memory_session(server) -> AsyncIterator[ClientSession]:
    async with InMemoryTransport(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def call(session: ClientSession, tool: str, **arguments: Any) -> Any:
    """A successful tool answer; the text content and the structured content must agree.

    An object answers as one text block. A list (AlphaKraken's three tools) answers as AlphaKraken's FastMCP
    server does: one text block per item, the structured content `{"result": [...]}`; the list is returned.
    """
    result = await session.call_tool(tool, arguments)
    texts = [block.text for block in result.content if block.type == "text"]
    assert not result.is_error, f"{tool}({arguments}) failed: {texts}"
    structured = result.structured_content
    if set(structured) == {"result"} and isinstance(structured["result"], list):
        assert [json.loads(text) for text in texts] == structured["result"]
        return structured["result"]
    assert json.loads("\n".join(texts)) == structured
    return structured


async def call_error(session: ClientSession, tool: str, **arguments: Any) -> str:
    """The error text of a tool call that must fail."""
    result = await session.call_tool(tool, arguments)
    text = "\n".join(block.text for block in result.content if block.type == "text")
    assert result.is_error, f"{tool}({arguments}) should have failed but answered: {text[:500]}"
    return text
