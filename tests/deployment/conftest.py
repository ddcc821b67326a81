"""Fixtures of the deployment tests: a private Dagster database on the test PostgreSQL, and a DAGSTER_HOME whose
dagster.yaml is the production one with only the run launcher left at its default (no Docker engine here)."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg2
import pytest
import yaml

from tests.support.services import ServiceEnv

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
    yield ServiceEnv({
        "DAGSTER_POSTGRES_HOST": connect["host"],
        "DAGSTER_POSTGRES_PORT": str(connect["port"]),
        "DAGSTER_POSTGRES_USER": connect["user"],
        "DAGSTER_POSTGRES_PASSWORD": connect["password"],
        "DAGSTER_POSTGRES_DB": name,
    })
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
    env = ServiceEnv({**postgres_database, "DAGSTER_COMPUTE_LOGS_DIR": str(tmp_path / "compute_logs")})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def postgres_instance(postgres_env, tmp_path):
    import dagster as dg

    home = production_instance_yaml(tmp_path / "dagster_home").parent
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


# --- container tests (tests/deployment/test_containers_*.py): the test Docker engine and the images ---------------

CANARY = "kraken-canary-7f3e91"  # planted in every secret-looking file of the build copy; no image may hold it


PEM_DASHES = "-" * 5  # the key headers are assembled here, so no key-shaped text sits in the repository


def _plant_canaries(repo: Path) -> list[Path]:
    """Secret files a careless build would copy: deployment secrets, TLS keys, a test key, a stray .env."""
    planted = []
    for relative, text in {
        "envs/.env-secrets": f"MONGO_PASSWORD={CANARY}\nDAGSTER_POSTGRES_PASSWORD={CANARY}\n",
        "envs/.env-mongo": f"MONGO_INITDB_ROOT_PASSWORD={CANARY}\n",
        ".env": f"SLACK_TOKEN={CANARY}\n",
        "docker/docker-certs/key.pem": f"{PEM_DASHES}BEGIN PRIVATE KEY{PEM_DASHES}\n{CANARY}\n{PEM_DASHES}END PRIVATE KEY"
                                       f"{PEM_DASHES}\n",
        "tests/fixtures/id_ed25519": f"{PEM_DASHES}BEGIN OPENSSH PRIVATE KEY{PEM_DASHES}\n{CANARY}\n",
        "kraken_core/.env": f"AWS_SECRET_ACCESS_KEY={CANARY}\n",
    }.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)
        planted.append(path)
    return planted


@pytest.fixture(scope="session")
def engine(services) -> dict[str, str]:
    from tests.deployment.containers import engine_env

    return engine_env(services)


@pytest.fixture(scope="session")
def build_copy(tmp_path_factory) -> Path:
    """The repository as a lab's checkout looks when it builds: secrets files beside the code."""
    from tests.deployment.containers import copy_repository

    repo = copy_repository(tmp_path_factory.mktemp("build") / "repo")
    _plant_canaries(repo)
    return repo


@pytest.fixture(scope="session")
def images(engine, build_copy):
    """Every image of docker/*.Dockerfile and every stand-in, built unless built before with the same inputs."""
    from dataclasses import replace

    from tests.deployment.containers import PROJECT_IMAGES, STANDIN_IMAGES, ensure_image

    built = {}
    for key, image in PROJECT_IMAGES.items():
        # the Dockerfile and context of the copy (with its planted secrets); the same hash as the checkout's
        relative = image.dockerfile.relative_to(ROOT)
        built[key] = ensure_image(engine, replace(image, dockerfile=build_copy / relative, context=build_copy))
    for key, image in STANDIN_IMAGES.items():
        built[key] = ensure_image(engine, image)
    return built
