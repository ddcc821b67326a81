"""Read docker/docker-compose.yaml the way `docker compose` does: env files, then `${VAR...}` interpolation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values

_VARIABLE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\})")


class MissingVariable(KeyError):
    """A `${VAR:?message}` whose variable is unset or empty."""


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        current = env.get(name)
        unset = current is None or (operator is not None and operator.startswith(":") and current == "")
        if operator and operator.endswith("?") and unset:
            raise MissingVariable(f"{name}: {argument}")
        if operator and operator.endswith("-") and unset:
            return interpolate(argument, env)
        return current or ""

    return _VARIABLE.sub(replace, value)


def merged_env(env_files: list[Path], shell: Mapping[str, str]) -> dict[str, str]:
    """Later env files win over earlier ones; the shell environment wins over all of them."""
    merged: dict[str, str] = {}
    for path in env_files:
        merged.update({k: v or "" for k, v in dotenv_values(path).items()})
    merged.update(shell)
    return merged


def load_compose(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    return interpolate(yaml.safe_load(path.read_text()), env)


def service_env(service: dict[str, Any], compose_dir: Path) -> dict[str, str]:
    """What a container's environment holds: its env files, then its `environment` (which wins)."""
    env: dict[str, str] = {}
    for entry in service.get("env_file", []):
        path = compose_dir / (entry["path"] if isinstance(entry, dict) else entry)
        if path.exists():
            env.update({k: v or "" for k, v in dotenv_values(path).items()})
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({k: "" if v is None else str(v) for k, v in environment.items()})
    return env
