"""Fixtures of the MCP tests: a seeded record on the test MongoDB server and the server's environment."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.mcp.seed import seed_record
from tests.mcp.server_process import serving_http
from tests.support.platform import ROOT


@pytest.fixture(scope="session")
def seeded(mongo_client):
    """A database holding the known record (one per test session: the tests only read it); yields (db, now)."""
    name = f"kt_mcp_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    now = seed_record(db)
    yield db, now
    mongo_client.drop_database(name)


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def http_server(server_env):
    with serving_http(server_env) as url:
        yield url
