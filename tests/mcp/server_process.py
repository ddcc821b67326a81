"""`python -m mcp_server` over streamable HTTP as a real process on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.platform import ROOT, free_port, wait_for


@contextmanager
def serving_http(server_env: dict[str, str], **extra_env: str) -> Iterator[str]:
    """`python -m mcp_server` over streamable HTTP on a free loopback port; yields its URL."""
    port = free_port()
    env = {**server_env, "MCP_TRANSPORT": "streamable-http", "MCP_HOST": "127.0.0.1", "MCP_PORT": str(port),
           **extra_env}
    process = subprocess.Popen([sys.executable, "-m", "mcp_server"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: _port_open(port) or process.poll() is not None, 30, f"MCP server on port {port}", 0.1)
        if process.poll() is not None:
            pytest.fail(f"the MCP server exited with {process.returncode}: {process.stderr.read()}")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
