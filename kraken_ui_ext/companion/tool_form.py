"""The settings form's tool fields: `tool` picks a tool of the YAML, `param.<tool>.<parameter>` fill its parameters.

The form shows one group of parameter inputs per tool; only the chosen tool's group is read. Every other key passes
through unchanged, so command text or an undeclared parameter reaches the validation and is refused there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PARAMETER_PREFIX = "param."


def settings_form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """Form values with the chosen tool's `param.<tool>.<name>` fields gathered into `tool_parameters`."""
    tool = str(form.get("tool") or "").strip()
    values: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    for key, value in form.items():
        if not key.startswith(PARAMETER_PREFIX):
            values[key] = value
            continue
        owner, _, name = key[len(PARAMETER_PREFIX):].partition(".")
        if owner == tool and name:
            parameters[name] = value
    if parameters:
        values["tool_parameters"] = parameters
    return values
