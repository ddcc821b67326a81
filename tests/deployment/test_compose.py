"""docker/docker-compose.yaml, as docker/compose.sh hands it to `docker compose` for each environment: every
image, build context, Dockerfile, env file, volume source, profile and dependency exists and fits together.

No Docker engine runs here: compose.sh runs against a `docker` on PATH that records its arguments and
environment, and the compose file is interpolated from exactly those env files and that environment.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from dagster_docker.container_context import DockerContainerContext
from dotenv import dotenv_values

from tests.deployment.compose_file import MissingVariable, load_compose, merged_env, service_env

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
PROFILES = {"dbs", "infrastructure", "webapp", "workers", "s3", "local"}
ENVIRONMENTS = ["local", "sandbox", "production"]
HOST_PATHS = {"/var/run/docker.sock"}  # host files a service may mount besides the shares and the repository
# host files and folders each deployment names in its env file (the entrance's certificate, the SSH folder)
HOST_PATH_VARIABLES = ("KRAKEN_TLS_CERTIFICATE_FILE", "KRAKEN_TLS_KEY_FILE", "KRAKEN_SSH_DIR")


def fill_secrets(example: Path, target: Path) -> None:
    lines = []
    for key, value in dotenv_values(example).items():
        lines.append(f"{key}={value or 'secret-' + key.lower()}")
    target.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict[str, dict]:
    """For each environment: the arguments and environment compose.sh gave `docker`."""
    base = tmp_path_factory.mktemp("compose")
    copy = base / "repo"
    shutil.copytree(DOCKER, copy / "docker")
    shutil.copytree(ROOT / "envs", copy / "envs", ignore=shutil.ignore_patterns(".env-secrets", ".env-mongo"))
    fill_secrets(ROOT / "envs" / ".env-secrets.example", copy / "envs" / ".env-secrets")
    fill_secrets(ROOT / "envs" / ".env-mongo.example", copy / "envs" / ".env-mongo")
    fake_bin = base / "bin"
    fake_bin.mkdir()
    docker = fake_bin / "docker"
    docker.write_text('#!/bin/sh\nenv > "$RECORD_DIR/env"\nprintf "%s\\n" "$@" > "$RECORD_DIR/args"\n')
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    results = {}
    for env in ENVIRONMENTS:
        record = base / env
        record.mkdir()
        shell = {"PATH": f"{fake_bin}:{os.environ['PATH']}", "ENV": env, "RECORD_DIR": str(record)}
        done = subprocess.run([str(copy / "docker" / "compose.sh"), "--profile", "local", "config"], env=shell,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        args = (record / "args").read_text().splitlines()
        environ = dict(line.split("=", 1) for line in (record / "env").read_text().splitlines() if "=" in line)
        results[env] = {"args": args, "environ": environ, "copy": copy}
    return results


def compose_of(recorded_env: dict) -> tuple[dict, dict[str, str]]:
    args = recorded_env["args"]
    assert args[0] == "compose"
    env_files = [Path(args[i + 1]) for i, a in enumerate(args) if a == "--env-file"]
    compose_file = Path(args[args.index("-f") + 1])
    assert compose_file.name == "docker-compose.yaml"
    env = merged_env(env_files, recorded_env["environ"])
    # the repository's compose file, interpolated as docker compose would for this environment
    return load_compose(DOCKER / "docker-compose.yaml", env), env


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def environment(request, recorded):
    compose, env = compose_of(recorded[request.param])
    return request.param, compose, env


def dockerfile_copies(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text().splitlines():
        words = shlex.split(line) if line.strip().upper().startswith("COPY ") else []
        if words:
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def dockerignore_allows(dockerfile: Path, source: str) -> bool:
    """For `*`-first ignore files (allow-lists): is the COPY source re-included by some `!` line?"""
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore.exists():
        return True
    lines = [ln.strip() for ln in ignore.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines or lines[0] != "*":
        return True
    source = source.rstrip("/")
    return any(source == ln[1:].rstrip("/") or source.startswith(ln[1:].rstrip("/") + "/")
               for ln in lines if ln.startswith("!"))


def test_every_service_is_in_known_profiles_and_every_profile_is_used(environment):
    _, compose, _ = environment
    used = set()
    for name, service in compose["services"].items():
        profiles = set(service.get("profiles", []))
        assert profiles and profiles <= PROFILES, (name, profiles)
        used |= profiles
    assert used == PROFILES
    local = {n for n, s in compose["services"].items() if "local" in s["profiles"]}
    for profile in ("dbs", "infrastructure", "webapp", "workers"):
        members = {n for n, s in compose["services"].items() if profile in s["profiles"]}
        assert members <= local, f"`local` must run everything of `{profile}` on one machine: {members - local}"
    assert {"mongodb", "postgres", "webserver", "daemon", "companion", "mcp", "nginx", "code-location"} <= local


def test_builds_images_dockerfiles_and_copied_files_exist(environment):
    env_name, compose, _ = environment
    for name, service in compose["services"].items():
        assert service.get("image"), f"{name}: every service names its image"
        build = service.get("build")
        if not build:
            continue
        assert service["image"].endswith(f":{env_name}"), f"{name}: built images are tagged with the environment"
        context = (DOCKER / build["context"]).resolve()
        assert context.is_dir(), (name, context)
        dockerfile = context / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
        for source in dockerfile_copies(dockerfile):
            assert (context / source).exists(), f"{name}: {dockerfile.name} copies {source}, which does not exist"
            assert dockerignore_allows(dockerfile, source), f"{name}: {source} is excluded by the .dockerignore"


def test_the_companion_and_mcp_services_run_their_own_images(environment):
    _, compose, _ = environment
    assert compose["services"]["companion"]["build"]["dockerfile"] == "docker/companion.Dockerfile"
    assert compose["services"]["mcp"]["build"]["dockerfile"] == "docker/mcp_server.Dockerfile"


def test_env_files_exist_and_secret_files_are_examples_only(environment):
    _, compose, _ = environment
    for name, service in compose["services"].items():
        for entry in service.get("env_file", []):
            path = (DOCKER / (entry["path"] if isinstance(entry, dict) else entry)).resolve()
            if path.name.startswith(".env-"):
                assert path.with_name(path.name + ".example").is_file(), f"{name}: no example for {path.name}"
                ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT)
                assert ignored.returncode == 0, f"{path} holds secrets and must be ignored by git"
            else:
                assert path.is_file(), f"{name}: env file {path} does not exist"


def test_volume_sources_exist_or_are_declared(environment):
    _, compose, env = environment
    declared = set(compose.get("volumes") or {})
    mounts_path = env["MOUNTS_PATH"]
    host_paths = HOST_PATHS | {env[name] for name in HOST_PATH_VARIABLES if env.get(name)}
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            if isinstance(volume, dict):
                source = volume["source"]
                if volume["type"] == "bind" and source == mounts_path:
                    assert volume["target"] == mounts_path, "the shares keep their host path in the containers"
                    assert volume["bind"]["propagation"] == "rslave"
                    continue
            else:
                source = volume.split(":")[0]
            if source.startswith((".", "/")) and not source.startswith(mounts_path):
                resolved = (DOCKER / source).resolve()
                assert resolved.exists() or source in host_paths, f"{name}: volume source {source} does not exist"
            elif not source.startswith("/"):
                assert source in declared, f"{name}: named volume {source} is not declared"


def test_dependencies_run_in_the_same_profiles(environment):
    _, compose, _ = environment
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", [])
        for other in depends if isinstance(depends, list) else depends.keys():
            assert other in services, (name, other)
            if isinstance(depends, dict) and depends[other].get("required") is False:
                continue  # an optional dependency may run on another host
            missing = set(service["profiles"]) - set(services[other]["profiles"])
            assert not missing, f"{name} depends on {other}, which is not in profiles {missing}"


def test_containers_run_as_the_host_user(environment):
    _, compose, env = environment
    user = f"{env['KRAKEN_UID']}:{env['KRAKEN_GID']}"
    ours = [n for n, s in compose["services"].items() if s.get("build") or n == "object-store"]
    assert ours
    for name in ours:
        assert compose["services"][name]["user"] == user, name


def test_dagster_processes_have_every_variable_the_instance_and_workspace_use(environment):
    _, compose, _ = environment
    instance_yaml = yaml.safe_load((DOCKER / "dagster.production.yaml").read_text())
    workspace_yaml = (DOCKER / "workspace.yaml").read_text()
    needed = {v["env"] for v in _env_sources(instance_yaml)}
    needed |= {v["env"] for v in _env_sources(yaml.safe_load(workspace_yaml))}
    for name in ("webserver", "daemon", "code-location"):
        env = service_env(compose["services"][name], DOCKER)
        assert needed <= set(env), f"{name} lacks {needed - set(env)}"
    # the daemon hands these to every run container by name: it must have them all
    daemon = service_env(compose["services"]["daemon"], DOCKER)
    launcher_vars = set(instance_yaml["run_launcher"]["config"]["env_vars"])
    assert launcher_vars <= set(daemon), f"daemon lacks {launcher_vars - set(daemon)}"


def _env_sources(value):
    if isinstance(value, dict):
        if set(value) == {"env"}:
            yield value
        for v in value.values():
            yield from _env_sources(v)
    elif isinstance(value, list):
        for v in value:
            yield from _env_sources(v)


def test_run_containers_get_the_code_image_the_mounts_and_the_host_user(environment):
    _, compose, env = environment
    code = compose["services"]["code-location"]
    code_env = service_env(code, DOCKER)
    assert code_env["DAGSTER_CONTAINER_IMAGE"] == code["image"]
    context = json.loads(code_env["DAGSTER_CONTAINER_CONTEXT"])
    instance_yaml = yaml.safe_load((DOCKER / "dagster.production.yaml").read_text())
    launcher = DockerContainerContext(
        env_vars=instance_yaml["run_launcher"]["config"]["env_vars"],
        container_kwargs=instance_yaml["run_launcher"]["config"]["container_kwargs"],
    )
    merged = launcher.merge(DockerContainerContext.create_from_config(context))
    mounts_path = env["MOUNTS_PATH"]
    # the shares, and the cluster's SSH key and known_hosts read-only where the code location has them too
    ssh = f"{env['KRAKEN_SSH_DIR']}:/opt/alphakraken/ssh:ro"
    assert merged.container_kwargs["volumes"] == [f"{mounts_path}:{mounts_path}:rslave", ssh]
    assert ssh in code["volumes"]
    assert merged.container_kwargs["user"] == f"{env['KRAKEN_UID']}:{env['KRAKEN_GID']}"
    assert merged.container_kwargs["auto_remove"] is True and "MONGO_PASSWORD" in merged.env_vars


def test_only_the_worker_processes_get_the_workers_record_password(environment):
    _, compose, _ = environment
    for name, service in compose["services"].items():
        env = service_env(service, DOCKER)
        if name in ("daemon", "code-location", "mongodb-users"):
            assert env.get("MONGO_PASSWORD"), name
        else:
            assert "MONGO_PASSWORD" not in env, f"{name} must not see the workers' record password"
    assert service_env(compose["services"]["mcp"], DOCKER)["MONGO_USER_READ"]
    assert service_env(compose["services"]["companion"], DOCKER)["MONGO_USER_WEBAPP"]


def test_nginx_gets_every_upstream_its_template_uses(environment):
    _, compose, _ = environment
    nginx = compose["services"]["nginx"]
    template_mount = next(v for v in nginx["volumes"] if isinstance(v, str) and v.startswith("./nginx/"))
    template = (DOCKER / template_mount.split(":")[0]).read_text()
    used = set(re.findall(r"\$\{(KRAKEN_[A-Z_]+)\}", template))
    assert used and used <= set(nginx["environment"]), used - set(nginx["environment"])
    assert template_mount.split(":")[1].startswith("/etc/nginx/templates/")


def test_compose_names_the_network_the_run_launcher_joins(environment):
    env_name, compose, _ = environment
    network = compose["networks"]["default"]["name"]
    assert service_env(compose["services"]["daemon"], DOCKER)["KRAKEN_DOCKER_NETWORK"] == network == f"alphakraken-{env_name}"


def test_compose_sh_refuses_an_unknown_env_and_missing_secrets(recorded, tmp_path):
    copy = recorded["local"]["copy"]
    bad = subprocess.run([str(copy / "docker" / "compose.sh"), "config"], env={"PATH": os.environ["PATH"], "ENV": "prod"},
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "local, sandbox or production" in bad.stderr
    bare = tmp_path / "bare"
    shutil.copytree(copy / "docker", bare / "docker")
    shutil.copytree(copy / "envs", bare / "envs", ignore=shutil.ignore_patterns(".env-secrets"))
    missing = subprocess.run([str(bare / "docker" / "compose.sh"), "config"],
                             env={"PATH": os.environ["PATH"], "ENV": "production"}, capture_output=True, text=True)
    assert missing.returncode == 2 and "cp envs/.env-secrets.example envs/.env-secrets" in missing.stderr


def test_a_missing_required_setting_names_the_variable(recorded):
    env = merged_env([], {"ENV": "production", "KRAKEN_UID": "1000", "KRAKEN_GID": "1000"})
    with pytest.raises(MissingVariable, match="MOUNTS_PATH"):
        load_compose(DOCKER / "docker-compose.yaml", env)


def test_every_python_module_a_service_starts_exists(environment):
    import importlib.util

    _, compose, _ = environment
    started = set()
    for service in compose["services"].values():
        command = service.get("command", [])
        text = " ".join(command) if isinstance(command, list) else command
        started |= set(re.findall(r"python -m ([\w.]+)", text))
    assert {"kraken_assets.instance_pools", "kraken_core.record.users", "kraken_core.prepare_folders"} <= started
    for module in started:
        assert importlib.util.find_spec(module) is not None, f"{module} is started by compose but does not exist"
    code_server = compose["services"]["code-location"]["command"][-1]
    assert "-m kraken_assets.definitions" in code_server


def dockerignore_excludes(dockerfile: Path, path: str) -> bool:
    """Docker's rule, for the patterns used here: the last pattern matching the path or one of its parents wins."""
    from fnmatch import fnmatch

    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore.exists():
        return False
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for line in ignore.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/").replace("**/", "")
        if any(fnmatch(c, pattern) or fnmatch(c.split("/")[-1], pattern) and "/" not in pattern for c in candidates):
            excluded = not negated
    return excluded


def test_no_image_can_contain_the_secret_files(environment):
    _, compose, _ = environment
    for name, service in compose["services"].items():
        build = service.get("build")
        if not build:
            continue
        dockerfile = (DOCKER / build["context"]).resolve() / build["dockerfile"]
        for secret in ("envs/.env-secrets", "envs/.env-mongo"):
            assert dockerignore_excludes(dockerfile, secret), (
                f"{name}: {dockerfile.name}.dockerignore lets {secret} into the image; add `envs/.env-*` to it"
            )
        if "COPY envs/" in dockerfile.read_text():
            assert not dockerignore_excludes(dockerfile, "envs/production.env"), f"{name}: the image needs envs/"
