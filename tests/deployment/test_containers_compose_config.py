"""`docker compose config` (Compose v2, the real binary) accepts docker/docker-compose.yaml through docker/compose.sh
for every profile and every environment with the example secrets filled in, and a missing secret makes compose.sh
fail with the variable's name."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values

from tests.deployment.containers import copy_repository

pytestmark = pytest.mark.e2e

ENVIRONMENTS = ["local", "sandbox", "production"]
EXPECTED = {
    "dbs": {"mongodb", "mongodb-users", "postgres"},
    "infrastructure": {"webserver", "webserver-read-only", "daemon", "nginx"},
    "webapp": {"companion", "mcp"},
    "workers": {"code-location"},
    "s3": {"object-store"},
    "local": {"mongodb", "mongodb-users", "postgres", "webserver", "webserver-read-only", "daemon", "nginx",
              "companion", "mcp", "code-location"},
}


def fill_secrets(example: Path, target: Path, leave_out: str | None = None) -> None:
    lines = [f"{key}={value or 'example-' + key.lower().replace('_', '-')}"
             for key, value in dotenv_values(example).items() if key != leave_out]
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = copy_repository(tmp_path_factory.mktemp("config") / "repo")
    for name in (".env-secrets", ".env-mongo"):
        fill_secrets(repo / "envs" / f"{name}.example", repo / "envs" / name)
    return repo


def compose_sh(repo: Path, engine: dict[str, str], env_name: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in engine.items() if not k.startswith(("KRAKEN_", "MONGO_", "DAGSTER_", "MOUNTS_"))}
    env["ENV"] = env_name
    return subprocess.run([str(repo / "docker" / "compose.sh"), *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_compose_config_passes_for_every_profile(repo, engine, env_name, profile):
    done = compose_sh(repo, engine, env_name, "--profile", profile, "config", "--format", "json")
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert set(config["services"]) == EXPECTED[profile]
    for name, service in config["services"].items():
        if name in {"mongodb", "postgres", "nginx", "object-store"}:
            continue
        assert service["image"] == f"{service['image'].split(':')[0]}:{env_name}"
        if env_name == "local":  # the user running compose.sh
            assert service["user"] == f"{os.getuid()}:{os.getgid()}"
        else:
            env = dotenv_values(repo / "envs" / f"{env_name}.env")
            assert service["user"] == f"{env['KRAKEN_UID']}:{env['KRAKEN_GID']}"
    if env_name == "production":
        # the hosts reach each other by the addresses in envs/production.env
        env = dotenv_values(repo / "envs" / "production.env")
        for name in EXPECTED[profile] & {"webserver", "daemon", "code-location"}:
            environment = config["services"][name]["environment"]
            assert environment["MONGO_HOST"] == env["MONGO_HOST"]
            assert environment["DAGSTER_POSTGRES_HOST"] == env["DAGSTER_POSTGRES_HOST"]
            assert environment["KRAKEN_CODE_SERVER_HOST"] == env["KRAKEN_CODE_SERVER_HOST"]


def published(config: dict) -> dict[str, set[tuple[str, str, int]]]:
    """Per service, the ports it publishes on the host: (host address, host port, container port)."""
    return {name: {(p.get("host_ip", ""), str(p.get("published", "")), int(p["target"])) for p in service["ports"]}
            for name, service in config["services"].items() if service.get("ports")}


# where another host needs a port: the variable of the address it is bound to (production: hosts split)
SPLIT_HOST_PORTS = {"mongodb": ("KRAKEN_DB_BIND_ADDRESS", 27017), "postgres": ("KRAKEN_DB_BIND_ADDRESS", 5432),
                    "code-location": ("KRAKEN_CODE_SERVER_BIND_ADDRESS", 4000)}


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_only_the_entrance_publishes_a_port(repo, engine, env_name, profile):
    """nginx's HTTPS port on the configured address; database and code-server ports only where the hosts are split
    (production), bound to the address from the env file; the lab's own S3 store's API port, bound likewise."""
    config = json.loads(compose_sh(repo, engine, env_name, "--profile", profile, "config", "--format", "json").stdout)
    env = dotenv_values(repo / "envs" / f"{env_name}.env")
    expected = {}
    if "nginx" in config["services"]:
        expected["nginx"] = {(env["KRAKEN_HTTPS_ADDRESS"], env["KRAKEN_HTTPS_PORT"], 8443)}
    if env.get("KRAKEN_SPLIT_HOSTS") == "true":
        for name in set(SPLIT_HOST_PORTS) & set(config["services"]):
            variable, port = SPLIT_HOST_PORTS[name]
            expected[name] = {(env[variable], str(port), port)}
    if "object-store" in config["services"]:
        expected["object-store"] = {("127.0.0.1", "9000", 9000)}
    assert published(config) == expected


def test_the_three_production_profiles_together_are_the_sandbox_shape(repo, engine):
    done = compose_sh(repo, engine, "sandbox", "--profile", "dbs", "--profile", "infrastructure", "--profile",
                      "webapp", "--profile", "workers", "config", "--services")
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == EXPECTED["local"]


@pytest.mark.parametrize("secret", ["MONGO_PASSWORD", "MONGO_PASSWORD_READ", "MONGO_PASSWORD_WEBAPP",
                                    "DAGSTER_POSTGRES_PASSWORD"])
def test_a_missing_secret_is_named(repo, engine, tmp_path, secret):
    bare = copy_repository(tmp_path / "repo")
    fill_secrets(bare / "envs" / ".env-secrets.example", bare / "envs" / ".env-secrets", leave_out=secret)
    fill_secrets(bare / "envs" / ".env-mongo.example", bare / "envs" / ".env-mongo")
    done = compose_sh(bare, engine, "production", "--profile", "local", "config")
    assert done.returncode != 0
    assert secret in done.stderr and "envs/.env-secrets" in done.stderr, done.stderr


def test_an_empty_secret_is_named_too(repo, engine, tmp_path):
    bare = copy_repository(tmp_path / "repo")
    fill_secrets(bare / "envs" / ".env-secrets.example", bare / "envs" / ".env-secrets")
    fill_secrets(bare / "envs" / ".env-mongo.example", bare / "envs" / ".env-mongo")
    secrets = bare / "envs" / ".env-secrets"
    secrets.write_text(secrets.read_text().replace("MONGO_PASSWORD=example-mongo-password", "MONGO_PASSWORD="))
    done = compose_sh(bare, engine, "sandbox", "--profile", "workers", "config")
    assert done.returncode != 0 and "MONGO_PASSWORD" in done.stderr, done.stderr
