"""Fixtures of the MCP tests: a seeded record on the test MongoDB server and the server's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.mcp.seed import seed_record
from tests.support.platform import ROOT, free_port, wait_for


@pytest.fixture(scope="module")
def seeded(mongo_client):
    """A database holding the known record (module scope: the tests only read it); yields (db, now)."""
    name = f"kt_mcp_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    now = seed_record(db)
    yield db, now
    mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def server_env(services, seeded, tmp_path_factory) -> dict[str, str]:
    """Environment of a `python -m mcp_server` process reading the seeded record with the test configuration."""
    db, _ = seeded
    mounts = tmp_path_factory.mktemp("mcp_mounts")
    return {
        "PATH": os.environ.get("PATH", ""),
        "ENV": "test",
        "MOUNTS_PATH": str(mounts),
        "MONGO_HOST": services["MONGO_HOST"],
        "MONGO_PORT": services["MONGO_PORT"],
        "MONGO_DB": db.name,
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture(scope="module")
def http_server(server_env):
    """The server on a loopback port over streamable HTTP; yields its URL."""
    port = free_port()
    env = {**server_env, "MCP_TRANSPORT": "streamable-http", "MCP_HOST": "127.0.0.1", "MCP_PORT": str(port)}
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
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
