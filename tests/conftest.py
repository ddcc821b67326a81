"""Shared fixtures: the real test services (started by tests/services/services.sh), temp mounts, configs.

Two tiers: a test that uses the `services` fixture (directly or through another fixture, e.g. `mongo_db`) or is
marked `e2e` is marked `services` here; every other test needs no service and runs in the fast tier
(`make test-fast`, i.e. `pytest -m "not services"`).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import dagster as dg
import pymongo
import pytest

from kraken_core.config.schema import KrakenConfig
from kraken_core.record.connection import RECORD_CLIENT_OPTIONS
from tests.support.mount_markers import marked_as_mounted
from tests.support.services import service_env


@pytest.fixture(scope="session")
def services() -> dict[str, str]:
    """Connection details written by tests/services/services.sh (ports, generated credentials)."""
    return service_env()


@pytest.fixture(scope="session")
def mongo_client(services) -> pymongo.MongoClient:
    if "MONGO_PORT" not in services:
        pytest.fail("the test MongoDB server is not running: start it with tests/services/services.sh start")
    # the product's decoding (plain ints for int64, aware datetimes), so tests see the record as workers do
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), serverSelectionTimeoutMS=5000,
                                 **RECORD_CLIENT_OPTIONS)
    yield client
    client.close()


@pytest.fixture
def mongo_db(mongo_client):
    """A fresh database of its own for each test, dropped afterwards."""
    name = f"kt_{uuid.uuid4().hex[:12]}"
    db = mongo_client[name]
    yield db
    mongo_client.drop_database(name)


@pytest.fixture
def mounts(tmp_path: Path) -> Path:
    root = tmp_path / "mounts"
    for sub in ("instruments/thermo1", "instruments/bruker1", "instruments/sciex1", "backup", "output"):
        (root / sub).mkdir(parents=True)
    return root


def config_dict(mounts: Path) -> dict:
    return {
        "timings": {
            "watcher_interval_s": 1,
            "size_stable_window_s": 3,
            "sciex_conversion_window_s": 8,
            "missing_main_file_timeout_s": 6,
            "heartbeat_interval_s": 5,
        },
        "locations": {
            "instruments": {"path": str(mounts / "instruments")},
            "backup": {"path": str(mounts / "backup")},
            "output": {"path": str(mounts / "output")},
        },
        "instruments": {
            "thermo1": {"type": "thermo"},
            "bruker1": {"type": "bruker"},
            "sciex1": {"type": "sciex"},
        },
        "project_ids": ["PRJ1", "PRJ2"],
    }


@pytest.fixture
def make_config(mounts):
    """Build a validated KrakenConfig for the temp mounts; keyword overrides are merged one level deep."""

    def build(**overrides) -> KrakenConfig:
        data = config_dict(mounts)
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        if data.get("production"):  # production configs need a mount check on every folder: marker files here
            data = marked_as_mounted(data, mounts)
        return KrakenConfig.model_validate(data)

    return build


@pytest.fixture
def config(make_config) -> KrakenConfig:
    return make_config()


def pytest_configure(config):
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    config.addinivalue_line(
        "markers", "services: needs the test services (set here for tests that use the services fixture or are e2e)")
    config.addinivalue_line(
        "markers", "slow: needs no service but loads the whole Definitions in a fresh process; not in make test-fast")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "services" in getattr(item, "fixturenames", ()) or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.services)


@pytest.fixture
def instance():
    """A temporary Dagster instance on SQLite for in-process runs, in memory-backed /dev/shm where available (its
    commits dominate run time)."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as home:
        with dg.instance_for_test(temp_dir=home) as inst:
            yield inst
