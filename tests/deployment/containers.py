"""Helpers of the container tests: the test Docker engine (tests/services/docker.sh), images built from
docker/*.Dockerfile and the stand-ins, keyed by a hash of each Dockerfile and its build context, so a warm run
reuses them, `docker/compose.sh` run against a copy of the repository with example secrets, and the one entrance
(nginx over HTTPS) with accounts made at test time."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = ROOT / "docker"
STANDINS = Path(__file__).resolve().parent / "standins"
BASE_IMAGE = "python:3.11-slim-bookworm"
HASH_LABEL = "org.alphakraken.inputs-hash"


@dataclass(frozen=True)
class Image:
    name: str  # repository name; compose uses name:${ENV}
    dockerfile: Path
    context: Path


PROJECT_IMAGES = {
    "code": Image("alphakraken-code", DOCKER_DIR / "code_location.Dockerfile", ROOT),
    "dagster": Image("alphakraken-dagster", DOCKER_DIR / "dagster.Dockerfile", ROOT),
    "companion": Image("alphakraken-companion", DOCKER_DIR / "companion.Dockerfile", ROOT),
    "mcp": Image("alphakraken-mcp", DOCKER_DIR / "mcp_server.Dockerfile", ROOT),
}
STANDIN_IMAGES = {
    "mongo": Image("alphakraken-test-mongo", STANDINS / "mongo.Dockerfile", STANDINS),
    "postgres": Image("alphakraken-test-postgres", STANDINS / "postgres.Dockerfile", STANDINS),
    "nginx": Image("alphakraken-test-nginx", STANDINS / "nginx.Dockerfile", STANDINS),
}


def engine_env(services: dict[str, str]) -> dict[str, str]:
    """This process's environment pointed at the test engine, with its docker and compose first on PATH."""
    if "DOCKER_HOST" not in services:
        pytest.fail("the test Docker engine is not running: start it with tests/services/services.sh start")
    env = dict(os.environ)
    env.update(DOCKER_HOST=services["DOCKER_HOST"], DOCKER_CONFIG=services["DOCKER_CONFIG"], DOCKER_BUILDKIT="1",
               PATH=f"{services['DOCKER_BIN_DIR']}:{os.environ['PATH']}")
    return env


def docker(env: dict[str, str], *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                             f"{done.stderr[-3000:]}")
    return done


def _ignore_rules(dockerfile: Path) -> list[tuple[bool, str]]:
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore.exists():
        return []
    rules = []
    for line in ignore.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
    return rules


def _included(relative: str, rules: list[tuple[bool, str]]) -> bool:
    """dockerignore semantics: the last matching rule wins; a rule matching a folder matches what is in it."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for negated, pattern in rules:
        if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
            included = negated
    return included


def context_files(image: Image) -> list[Path]:
    """The files of the build context that reach the builder (what the Dockerfile can COPY)."""
    rules = _ignore_rules(image.dockerfile)
    files = []
    for dirpath, dirnames, filenames in os.walk(image.context):
        dirnames[:] = sorted(d for d in dirnames if d not in {".git", ".venv", ".run", "node_modules"})
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if _included(path.relative_to(image.context).as_posix(), rules):
                files.append(path)
    return files


def inputs_hash(image: Image, base_id: str) -> str:
    digest = hashlib.sha256(base_id.encode())
    for path in [image.dockerfile, *context_files(image)]:
        digest.update(str(path.relative_to(image.context) if path.is_relative_to(image.context) else path).encode())
        digest.update(b"\0" + hashlib.sha256(path.read_bytes()).digest())
    ignore = image.dockerfile.with_name(image.dockerfile.name + ".dockerignore")
    if ignore.exists():
        digest.update(ignore.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Built:
    image: Image
    ref: str  # name:<hash>
    seconds: float  # 0 when reused
    size_bytes: int


def ensure_image(env: dict[str, str], image: Image) -> Built:
    """Build the image unless one with the same inputs hash exists; tagged name:<hash>."""
    base_id = docker(env, "image", "inspect", BASE_IMAGE, "--format", "{{.Id}}").stdout.strip()
    ref = f"{image.name}:{inputs_hash(image, base_id)}"
    started = time.monotonic()
    seconds = 0.0
    if docker(env, "image", "inspect", ref, check=False).returncode != 0:
        docker(env, "build", "--network", "host", "--label", f"{HASH_LABEL}={ref.split(':')[1]}", "-f",
               str(image.dockerfile), "-t", ref, str(image.context), timeout=1500)
        seconds = time.monotonic() - started
        _drop_older_builds(env, image.name, ref)
    size = int(docker(env, "image", "inspect", ref, "--format", "{{.Size}}").stdout.strip())
    return Built(image, ref, seconds, size)


def _drop_older_builds(env: dict[str, str], name: str, keep: str) -> None:
    """Untag the earlier hash-tagged builds of an image, so a long-lived test engine does not fill the disk."""
    listed = docker(env, "image", "ls", name, "--format", "{{.Repository}}:{{.Tag}}", check=False).stdout.split()
    old = [ref for ref in listed if ref != keep and re.fullmatch(rf"{re.escape(name)}:[0-9a-f]{{16}}", ref)]
    if old:
        docker(env, "rmi", *old, check=False)  # an image still used by a container stays


def tag(env: dict[str, str], built: Built, tag_name: str) -> str:
    target = f"{built.image.name}:{tag_name}"
    docker(env, "tag", built.ref, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"{what} did not open port {port} within {seconds} s")


def copy_repository(target: Path) -> Path:
    """The files compose.sh and the build contexts need, without secrets, local state or the venv."""
    ignore = shutil.ignore_patterns(".git", ".venv", ".run", "__pycache__", "*.egg-info", ".pytest_cache",
                                    ".env-secrets", ".env-mongo", "*.pem", "benchmarks", "docs", "tests")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    return target


OVERRIDE = Path(__file__).resolve().parent / "compose.test.yaml"
TEST_UID, TEST_GID = 4321, 4321  # the lab's service account in the tests: no such user exists on this machine


def fill_example_secrets(repo: Path) -> None:
    from dotenv import dotenv_values

    for name in (".env-secrets", ".env-mongo"):
        values = dotenv_values(repo / "envs" / f"{name}.example")
        target = repo / "envs" / name
        target.write_text("".join(f"{k}={v or 'example-' + k.lower().replace('_', '-')}\n" for k, v in values.items()))
        target.chmod(0o600)


@dataclass
class Stack:
    """One compose project run through docker/compose.sh of a repository copy, with the test override."""

    repo: Path
    project: str
    env: dict[str, str]  # the shell environment compose.sh gets
    profiles: tuple[str, ...]

    def compose(self, *args: str, timeout: float = 300, check: bool = True, input: str | None = None,
                override: bool = True) -> subprocess.CompletedProcess:
        """compose.sh with this stack's profiles; `override=False` leaves the test override out (the real file)."""
        profiles = [a for p in self.profiles for a in ("--profile", p)]
        files = ["-f", str(OVERRIDE)] if override else []
        done = subprocess.run([str(self.repo / "docker" / "compose.sh"), *files, "-p", self.project,
                               *profiles, *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                              input=input)
        if check and done.returncode != 0:
            raise AssertionError(f"compose.sh {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                                 f"{done.stderr[-5000:]}")
        return done

    def containers(self) -> dict[str, dict]:
        """Service name -> state of its container (docker inspect), including exited ones."""
        ids = self.compose("ps", "-a", "-q").stdout.split()
        if not ids:
            return {}
        import json

        inspected = json.loads(docker(self.env, "inspect", *ids).stdout)
        return {c["Config"]["Labels"]["com.docker.compose.service"]: c for c in inspected}

    def health(self, service: str) -> str | None:
        state = self.containers().get(service, {}).get("State", {})
        return (state.get("Health") or {}).get("Status") or state.get("Status")

    def logs(self, *services: str) -> str:
        return self.compose("logs", "--no-color", "--tail", "80", *services, check=False).stdout

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", "-t", "20", check=False, timeout=180)
        # run containers the daemon started (not part of the compose project)
        runs = docker(self.env, "ps", "-aq", "--filter", "label=org.alphakraken.role=run-worker", check=False)
        if runs.stdout.split():
            docker(self.env, "rm", "-f", *runs.stdout.split(), check=False)


def stack_env(engine: dict[str, str], services: dict[str, str], env_name: str, mounts: Path,
              **extra: str) -> dict[str, str]:
    env = {k: v for k, v in engine.items() if not k.startswith(("KRAKEN_", "MONGO_", "DAGSTER_", "MOUNTS_", "MCP_"))}
    env.update(ENV=env_name, MOUNTS_PATH=str(mounts), KRAKEN_UID=str(TEST_UID), KRAKEN_GID=str(TEST_GID),
               DOCKER_GID=services["DOCKER_GID"], KT_DOCKER_SOCKET=services["DOCKER_HOST"].removeprefix("unix://"),
               KT_STANDIN_TAG="test")
    env.update(extra)
    return env


def prepare_mounts(mounts: Path, *folders: str) -> Path:
    """MOUNTS_PATH as on a lab's host: owned by the service account, and a mount point with shared propagation
    (on a host with systemd every mount is shared; this machine's / is private), which the compose file's
    `rslave` bind of the shares needs. Undo with release_mounts."""
    for folder in ("logs/dagster", *folders):
        (mounts / folder).mkdir(parents=True, exist_ok=True)
    for path in [mounts, *mounts.rglob("*")]:
        os.chown(path, TEST_UID, TEST_GID)
    subprocess.run(["mount", "--bind", str(mounts), str(mounts)], check=True)
    subprocess.run(["mount", "--make-rshared", str(mounts)], check=True)
    return mounts


def release_mounts(mounts: Path) -> None:
    subprocess.run(["umount", "--lazy", str(mounts)], check=False, capture_output=True)


# --- the one entrance: nginx over HTTPS, asking the companion app about every request ----------------------------

def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day, and its key (owner-only)."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / "certificate.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key),
                    "-out", str(certificate)], check=True, capture_output=True)
    key.chmod(0o600)
    return certificate, key


ACCOUNTS_CLI = ("python", "-m", "kraken_core.record.accounts_cli")


def add_account(stack: Stack, name: str, role: str) -> str:
    """A person's account, made as docs/deployment.md shows (the accounts CLI in the companion container); the
    password is generated here and given on standard input, so it is neither printed nor in a process list."""
    password = secrets.token_urlsafe(18)
    stack.compose("exec", "-T", "companion", *ACCOUNTS_CLI, "add", name, "--role", role, "--password-stdin",
                  input=password + "\n")
    return password


def issue_mcp_token(stack: Stack, name: str) -> str:
    """A new MCP bearer token of the account, as the CLI hands it out (printed once, read here, never shown)."""
    done = stack.compose("exec", "-T", "companion", *ACCOUNTS_CLI, "mcp-token", name)
    tokens = re.findall(r"^akt_\S+$", done.stdout, re.MULTILINE)
    assert len(tokens) == 1, f"the accounts CLI printed no MCP token for {name}"
    return tokens[0]


@dataclass
class Entrance:
    """nginx of a test stack: HTTPS at `url`, trusted through the stack's own `certificate`."""

    url: str
    certificate: Path

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.tls(), headers=headers, follow_redirects=False, timeout=60)

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def login(self, name: str, password: str) -> httpx.Client:
        """A browser logged in through the companion's login form (its session cookie kept by the client)."""
        client = self.client()
        done = client.post("/companion/login", data={"user": name, "password": password})
        assert done.status_code == 303 and client.cookies.get("kraken_session"), \
            f"{name} could not log in through the entrance: {done.status_code}"
        return client

    def answers(self) -> bool:
        """The login page answers over HTTPS (nginx up with its certificate, the companion app behind it)."""
        try:
            return self.client().get("/companion/login").status_code == 200
        except httpx.HTTPError:
            return False


def graphql(client: httpx.Client, query: str, timeout: float = 30) -> dict:
    """A Dagster GraphQL query through the entrance, as the logged-in person of `client`."""
    response = client.post("/graphql", json={"query": query}, timeout=timeout)
    assert response.status_code == 200, (response.status_code, response.text[:500])
    answer = response.json()
    assert "errors" not in answer, answer
    return answer["data"]
