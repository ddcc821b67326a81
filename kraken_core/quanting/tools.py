"""Which YAML-defined tool a settings version runs, and the parameter values it may give that tool.

Used three times with the same rules: by the companion form and `settings_catalog` when a settings version is
created, and again when a job is built (the YAML may have changed since). Every function returns the problems as
sentences for people instead of raising, so a form can show all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kraken_core.config.tools import ParameterValue, ToolConfig
from kraken_core.quanting.command_tokens import FILE_TOKENS, template_words, tokens_in
from kraken_core.quanting.software import software_type

COMMANDS_IN_YAML = ("commands are defined by operators in the YAML (quanting.tools.<name> in "
                    "envs/alphakraken.<ENV>.yaml); a settings version picks a tool by name and fills only its "
                    "declared parameters")
# form or document fields that would carry a command or an executable: never accepted for a tool
COMMAND_FIELDS = ("config_params", "command", "custom_command", "arguments", "executable")
FILE_LABELS = {"speclib_file_name": "spectral library", "fasta_file_name": "fasta file", "config_file_name": "config file"}


def tool_parameters(tool_name: str, tool: ToolConfig, given: Mapping[str, Any]) -> tuple[dict[str, ParameterValue],
                                                                                          list[str]]:
    """The typed value of every declared parameter (defaults filled in), and what was wrong with `given`."""
    problems = [f"parameter {name}: tool {tool_name} declares no such parameter (declared: "
                f"{', '.join(tool.parameters) or 'none'}); {COMMANDS_IN_YAML}"
                for name in given if name not in tool.parameters]
    values: dict[str, ParameterValue] = {}
    for name, parameter in tool.parameters.items():
        raw = given.get(name)
        if raw is None or str(raw).strip() == "":
            if parameter.default is None:
                problems.append(f"parameter {name}: tool {tool_name} needs it, expected {parameter.expected()}")
            else:
                values[name] = parameter.parse(parameter.default)
            continue
        try:
            values[name] = parameter.parse(raw)
        except ValueError as err:
            problems.append(f"parameter {name} of tool {tool_name}: {err}")
    return values, problems


def missing_settings_files(tool_name: str, tool: ToolConfig, settings: Mapping[str, Any]) -> list[str]:
    """The settings files the tool's arguments use (LIBRARY_PATH, FASTA_PATH, CONFIG_PATH) that the settings lack."""
    used = tokens_in(template_words(tool.arguments))
    return [f"{FILE_LABELS[field]}: tool {tool_name} uses {token}, so these settings must name that file"
            for token, field in FILE_TOKENS.items() if token in used and not settings.get(field)]


def command_fields(values: Mapping[str, Any]) -> list[str]:
    """The command-carrying fields that hold text (refused for every tool; AlphaDIA keeps its config_params)."""
    return [key for key in COMMAND_FIELDS if str(values.get(key) or "").strip()]


def refusal_of_own_command(settings: Mapping[str, Any]) -> str:
    """Why a settings document that brings its own command (AlphaKraken's `custom` settings: `software` + a
    `config_params` command template) is not run, and what the operator does instead."""
    label = f"{settings.get('name')} v{settings.get('version', 1)}"
    return (f"settings {label} (software_type {software_type(settings)}, software {settings.get('software')!r}) "
            f"carry their own command, which this platform does not run: {COMMANDS_IN_YAML}. Define the tool under "
            f"quanting.tools, create a new settings version that picks it, assign it in place of {label} and make "
            f"{label} inactive (docs/switch-over.md)")


def chosen_tool(values: Mapping[str, Any], tools: Mapping[str, ToolConfig]) -> tuple[dict[str, Any] | None, list[str]]:
    """The tool fields of a new settings version from form or API values, or None for AlphaDIA (built in: a conda
    environment in `software`, its flags in `config_params`); and what was wrong.

    `tool` names a tool of the YAML; `tool_parameters` maps its declared parameters to values. A non-AlphaDIA
    software type without a tool, any command text for a tool, or an undeclared parameter is refused.
    """
    name = str(values.get("tool") or "").strip()
    given_type = str(values.get("software_type") or "").strip()
    parameters = values.get("tool_parameters") or {}
    if not isinstance(parameters, Mapping):
        return None, [f"tool parameters: expected a mapping of parameter names to values, got {type(parameters).__name__}"]
    defined = ", ".join(sorted(tools)) or "none defined yet"
    if name in ("", "alphadia"):
        problems = [f"{field}: AlphaDIA runs as built in; {COMMANDS_IN_YAML}"
                    for field in command_fields(values) if field != "config_params"]
        if given_type not in ("", "alphadia"):
            problems.append(f"software type {given_type}: {COMMANDS_IN_YAML}; pick one of the tools ({defined})")
        if parameters:
            problems.append(f"tool parameters: AlphaDIA takes none (its flags go into config params); "
                            f"{COMMANDS_IN_YAML}")
        return None, problems
    tool = tools.get(name)
    if tool is None:
        return None, [f"tool: {name!r} is not defined in quanting.tools (defined: {defined}); {COMMANDS_IN_YAML}"]
    problems = [f"{field}: tool {name} takes no command text; {COMMANDS_IN_YAML}" for field in command_fields(values)]
    software = str(values.get("software") or "").strip()
    if software not in ("", name):
        problems.append(f"software: the executable of tool {name} is defined in the YAML, not here; {COMMANDS_IN_YAML}")
    if given_type not in ("", tool.software_type):
        problems.append(f"software type: tool {name} is {tool.software_type} (set in the YAML), got {given_type!r}")
    typed, parameter_problems = tool_parameters(name, tool, parameters)
    problems += parameter_problems + missing_settings_files(name, tool, values)
    return {"tool": name, "tool_parameters": typed, "software": name, "software_type": tool.software_type,
            "metrics_type": tool.reads_metrics_as, "config_params": ""}, problems
