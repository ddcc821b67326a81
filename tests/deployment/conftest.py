"""Fixtures of the deployment tests: a private Dagster database on the test PostgreSQL, and a DAGSTER_HOME whose
dagster.yaml is the production one with only the run launcher left at its default (no Docker engine here)."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_DAGSTER_YAML = ROOT / "docker" / "dagster.production.yaml"


@pytest.fixture
def postgres_database(services):
    """A fresh database for one test, owned by the test user, dropped afterwards; yields the DAGSTER_POSTGRES_* env."""
    if "POSTGRES_PORT" not in services:
        pytest.fail("the test PostgreSQL is not running: start it with tests/services/services.sh start")
    connect = dict(host=services["POSTGRES_HOST"], port=int(services["POSTGRES_PORT"]),
                   user=services["POSTGRES_USER"], password=services["POSTGRES_PASSWORD"])
    name = f"kt_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dbname=services["POSTGRES_DB"], **connect)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {
        "DAGSTER_POSTGRES_HOST": connect["host"],
        "DAGSTER_POSTGRES_PORT": str(connect["port"]),
        "DAGSTER_POSTGRES_USER": connect["user"],
        "DAGSTER_POSTGRES_PASSWORD": connect["password"],
        "DAGSTER_POSTGRES_DB": name,
    }
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def production_instance_yaml(target: Path) -> Path:
    """The production dagster.yaml without its DockerRunLauncher (runs become local processes)."""
    config = yaml.safe_load(PRODUCTION_DAGSTER_YAML.read_text())
    del config["run_launcher"]
    target.mkdir(parents=True, exist_ok=True)
    path = target / "dagster.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def postgres_env(postgres_database, tmp_path, monkeypatch) -> dict[str, str]:
    """The environment of a production instance on the test PostgreSQL, applied to this process too."""
    env = {**postgres_database, "DAGSTER_COMPUTE_LOGS_DIR": str(tmp_path / "compute_logs")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def postgres_instance(postgres_env, tmp_path):
    import dagster as dg

    home = production_instance_yaml(tmp_path / "dagster_home").parent
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance
