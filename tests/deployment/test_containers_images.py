"""The images of docker/*.Dockerfile build on the test engine (base image made locally by tests/services/docker.sh),
are reused while their Dockerfile and build context are unchanged, and hold no secrets, keys or env files even when
the checkout they are built from has them."""

from __future__ import annotations

import re
import subprocess
import tarfile
from dataclasses import replace

import pytest

from tests.deployment.conftest import CANARY
from tests.deployment.containers import PROJECT_IMAGES, docker, ensure_image, inputs_hash

pytestmark = pytest.mark.e2e

SECRET_NAME = re.compile(r"(^|/)(\.env(-[^/]*)?|[^/]*\.pem|[^/]*\.key|id_(rsa|ed25519|ecdsa)[^/]*|\.env-secrets|"
                         r"\.env-mongo|known_hosts|authorized_keys)$")
# where the project's own files land in the images (system packages have their own CA bundles, not secrets)
PROJECT_FOLDERS = ("opt/alphakraken/", "opt/dagster/", "app/")


def test_every_image_builds_and_runs_its_python(engine, images):
    for key in PROJECT_IMAGES:
        built = images[key]
        assert built.size_bytes > 0
        print(f"image {built.ref}: {built.size_bytes / 1e6:.0f} MB, built in {built.seconds:.0f} s")
    code = docker(engine, "run", "--rm", "--network", "host", "-e", "ENV=local", "-e", "MOUNTS_PATH=/tmp/mounts",
                  "--entrypoint", "python", images["code"].ref, "-c",
                  "import kraken_assets.definitions as d, dagster_docker, dagster_postgres; "
                  "print(len(d.defs.resolve_asset_graph().get_all_asset_keys()))", timeout=300)
    assert int(code.stdout.strip().splitlines()[-1]) >= 5
    dagster = docker(engine, "run", "--rm", "--network", "host", images["dagster"].ref, "dagster-webserver",
                     "--version")
    assert "1.13.27" in dagster.stdout
    # the companion's app and the accounts CLI run in its container (login checks need argon2)
    for key, module in (("companion", "kraken_ui_ext.companion.app, kraken_core.record.accounts_cli"),
                        ("mcp", "mcp_server")):
        done = docker(engine, "run", "--rm", "--network", "host", "--entrypoint", "python", images[key].ref, "-c",
                      f"import {module}")
        assert done.returncode == 0


def test_a_warm_run_reuses_the_images_and_a_changed_input_changes_their_key(engine, images, build_copy):
    for key, image in PROJECT_IMAGES.items():
        relative = image.dockerfile.relative_to(image.context)
        again = ensure_image(engine, replace(image, dockerfile=build_copy / relative, context=build_copy))
        assert again.ref == images[key].ref and again.seconds == 0
    # the checkout hashes as its copy with planted secrets (the Dagster image: its inputs change rarely, so no
    # other change in this checkout races with the test)
    base_id = docker(engine, "image", "inspect", "python:3.11-slim-bookworm", "--format", "{{.Id}}").stdout.strip()
    assert f"alphakraken-dagster:{inputs_hash(PROJECT_IMAGES['dagster'], base_id)}" == images["dagster"].ref
    # the hash follows the build context
    code = replace(PROJECT_IMAGES["code"], dockerfile=build_copy / "docker" / "code_location.Dockerfile",
                   context=build_copy)
    before = inputs_hash(code, base_id)
    changed = build_copy / "kraken_core" / "statuses.py"
    original = changed.read_text()
    try:
        changed.write_text(original + "\n# changed\n")
        assert inputs_hash(code, base_id) != before
    finally:
        changed.write_text(original)
    assert inputs_hash(code, base_id) == before
    # a file outside the context (docs, tests, secrets) does not change it
    (build_copy / "envs" / ".env-sandbox-extra").write_text(f"X={CANARY}\n")
    try:
        assert inputs_hash(code, base_id) == before
    finally:
        (build_copy / "envs" / ".env-sandbox-extra").unlink()


@pytest.mark.parametrize("key", sorted(PROJECT_IMAGES))
def test_images_hold_no_secrets_keys_or_env_files(engine, images, key):
    ref = images[key].ref
    container = docker(engine, "create", ref).stdout.strip()
    names, leaks = [], []
    try:
        export = subprocess.Popen(["docker", "export", container], env=engine, stdout=subprocess.PIPE)
        with tarfile.open(fileobj=export.stdout, mode="r|") as archive:
            for member in archive:
                name = member.name.lstrip("./")
                names.append(name)
                if not member.isfile():
                    continue
                ours = name.startswith(PROJECT_FOLDERS)
                if ours and SECRET_NAME.search(name):
                    leaks.append(f"secret-looking file {name}")
                if member.size < 50_000_000:
                    data = archive.extractfile(member).read()
                    if CANARY.encode() in data:
                        leaks.append(f"{name} holds a secret of the build checkout")
        assert export.wait() == 0
    finally:
        docker(engine, "rm", container)
    assert names, "the image exported no files"
    assert not leaks, leaks
    # nothing of the tests or of the checkout's local state
    assert not [n for n in names if n.startswith(PROJECT_FOLDERS) and re.search(r"(^|/)(tests|\.git|\.venv|\.run)/", n)]
    if key in ("code", "companion", "mcp"):
        assert any(n.endswith("envs/alphakraken.production.yaml") for n in names)
