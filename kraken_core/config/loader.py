"""Read `envs/${ENV}.env` and `envs/alphakraken.${ENV}.yaml` into a validated `KrakenConfig`.

Variables already in the environment win over the `.env` file. `${VAR}` in the YAML is replaced by
the variable's value; an unset variable is an error naming the key and the file. `${VAR:-default}` uses
`default` when VAR is unset or empty, as in the shell.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import ValidationError

from kraken_core.config.schema import KrakenConfig

ENVIRONMENTS = ("local", "sandbox", "production", "test")
DEFAULT_ENVS_DIR = Path(__file__).resolve().parents[2] / "envs"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """A configuration problem, always naming the file and the key."""


def envs_dir() -> Path:
    return Path(os.environ.get("KRAKEN_ENVS_DIR", DEFAULT_ENVS_DIR))


def environment_name(environ: Mapping[str, str] | None = None) -> str:
    env = (environ if environ is not None else os.environ).get("ENV", "local")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ENV={env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    return env


def load_environment(env: str | None = None, apply: bool = True) -> dict[str, str]:
    """Merge `envs/${ENV}.env` under the process environment; with `apply`, fill os.environ with missing keys."""
    env = env or environment_name()
    env_file = envs_dir() / f"{env}.env"
    file_values: dict[str, str] = {}
    if env_file.exists():
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    merged = {**file_values, **os.environ}
    if apply:
        for key, value in file_values.items():
            os.environ.setdefault(key, value)
    return merged


def _interpolate(value: Any, environ: Mapping[str, str], where: str, source: Path) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, environ, f"{where}.{k}" if where else str(k), source) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, environ, f"{where}[{i}]", source) for i, v in enumerate(value)]
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if environ.get(name, ""):
                return environ[name]
            if default is not None:
                return default
            raise ConfigError(
                f"{source}: {where}: uses ${{{name}}}, which is not set; "
                f"set {name} in the environment or in {envs_dir() / (environment_name(environ) + '.env')}"
            )

        return _VARIABLE.sub(replace, value)
    return value


def _format_validation_error(err: ValidationError, source: Path) -> str:
    lines = []
    for problem in err.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key (check its spelling and indentation)"
        elif problem["type"] == "missing":
            message = "required key is missing"
        elif "input" in problem and problem["type"] != "value_error":
            message = f"{message} (got {problem['input']!r})"
        lines.append(f"{source}: {key}: {message}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_config(env: str | None = None, path: Path | None = None) -> KrakenConfig:
    """Load and validate the configuration of `env`; raise ConfigError naming file and key on any problem."""
    env = env or environment_name()
    environ = load_environment(env)
    environ.setdefault("ENV", env)
    source = path or envs_dir() / f"alphakraken.{env}.yaml"
    if not source.exists():
        raise ConfigError(f"{source}: configuration file for ENV={env} not found")
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: not valid YAML: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of configuration keys at the top level")
    resolved = _interpolate(raw, environ, "", source)
    try:
        return KrakenConfig.model_validate(resolved)
    except ValidationError as err:
        raise ConfigError(_format_validation_error(err, source)) from None
