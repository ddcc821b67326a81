"""The MCP image runs standalone as docs/deployment.md shows it (`docker run -e ... -e MCP_TRANSPORT=streamable-http`),
here on the host network of the test engine, and a real MCP client lists its tools and asks every one of them about
a seeded record."""

from __future__ import annotations

import uuid

import pytest

from tests.deployment.containers import docker, free_port, wait_port
from tests.mcp.checks import ask_every_tool
from tests.mcp.client import http_session
from tests.mcp.seed import seed_record

pytestmark = pytest.mark.e2e


def test_the_mcp_image_serves_a_real_client_over_streamable_http(engine, images, services, mongo_client):
    database = f"kt_mcp_image_{uuid.uuid4().hex[:8]}"
    now = seed_record(mongo_client[database])
    port = free_port()
    name = f"kt-mcp-{uuid.uuid4().hex[:8]}"
    docker(engine, "run", "-d", "--name", name, "--network", "host",
           "-e", "ENV=test", "-e", "MOUNTS_PATH=/tmp/mounts",
           "-e", f"MONGO_HOST={services['MONGO_HOST']}", "-e", f"MONGO_PORT={services['MONGO_PORT']}",
           "-e", f"MONGO_DB={database}",
           "-e", "MCP_TRANSPORT=streamable-http", "-e", "MCP_HOST=127.0.0.1", "-e", f"MCP_PORT={port}",
           images["mcp"].ref)
    try:
        try:
            wait_port(port, 60, "the MCP container")
        except AssertionError:
            print(docker(engine, "logs", name, check=False).stderr)
            raise
        inspected = docker(engine, "inspect", name, "--format", "{{.Config.User}} {{.State.Running}}").stdout.split()
        assert inspected == ["kraken", "true"]  # not root
        ask_every_tool(lambda: http_session(f"http://127.0.0.1:{port}/mcp"), now)
        logs = docker(engine, "logs", name).stderr
        assert f"listening on http://127.0.0.1:{port}/mcp" in logs
    finally:
        docker(engine, "rm", "-f", name, check=False)
        mongo_client.drop_database(database)
