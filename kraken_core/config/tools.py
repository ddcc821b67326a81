"""QC tools (`quanting.tools.<name>`): what runs on the cluster is defined here by the operators, never by a web form.

A settings version picks a tool by name and may fill only the parameters the tool declares. A tool's executable is a
program in a conda environment (`conda_env` + `executable`), or a file in the software folder (`executable` relative
to `locations.software`, AlphaKraken's `<software folder>/<software>`). `arguments` is AlphaKraken's command template:
the words after the executable, with its tokens (`RAW_FILE_PATH`, `OUTPUT_PATH`, `NUM_THREADS`, ...) and one token
per declared parameter (the parameter's name in upper case).
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kraken_core.config.base import Section
from kraken_core.quanting.command_tokens import BUILT_IN_TOKENS, parameter_token, template_words, tokens_in
from kraken_core.quanting.software import METRICS_TYPES, SOFTWARE_TYPES

TOOL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
PROGRAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")
# text parameters without a pattern of their own: a plain value that cannot pose as an option (no leading `-`)
DEFAULT_TEXT_PATTERN = r"^[A-Za-z0-9_.][A-Za-z0-9_.,:+=-]{0,127}$"
SoftwareType = Literal[SOFTWARE_TYPES]  # type: ignore[valid-type]
MetricsType = Literal[METRICS_TYPES]  # type: ignore[valid-type]
ParameterValue = int | float | str
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class ToolParameter(Section):
    """One value a settings version may fill: a whole number or number in a range, one of a list, or text."""

    type: Literal["integer", "number", "choice", "text"]
    min: float | None = None
    max: float | None = None
    values: list[str] = Field(default_factory=list)
    pattern: str | None = None
    # without a default, every settings version of the tool must fill the parameter
    default: ParameterValue | None = None
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> ToolParameter:
        numeric = self.type in ("integer", "number")
        if not numeric and (self.min is not None or self.max is not None):
            raise ValueError(f"min/max apply to integer and number parameters, not to {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        if self.type == "choice" and not self.values:
            raise ValueError("a choice parameter needs `values` (the allowed words)")
        if self.type != "choice" and self.values:
            raise ValueError(f"`values` applies to choice parameters, not to {self.type}")
        if self.pattern is not None:
            if self.type != "text":
                raise ValueError(f"`pattern` applies to text parameters, not to {self.type}")
            try:
                re.compile(self.pattern)
            except re.error as err:
                raise ValueError(f"pattern {self.pattern!r} is not a regular expression: {err}") from None
        if self.default is not None:
            try:
                self.parse(self.default)
            except ValueError as err:
                raise ValueError(f"default {self.default!r}: {err}") from None
        return self

    def expected(self) -> str:
        """What a valid value looks like, for messages."""
        if self.type == "choice":
            return f"one of {', '.join(self.values)}"
        if self.type == "text":
            return f"text matching {self.pattern or DEFAULT_TEXT_PATTERN}"
        kind = "a whole number" if self.type == "integer" else "a number"
        low = "" if self.min is None else f" from {_plain(self.min)}"
        high = "" if self.max is None else f" to {_plain(self.max)}"
        return f"{kind}{low}{high}"

    def parse(self, raw: object) -> ParameterValue:
        """The typed value of `raw` (form text or a stored value); ValueError saying what is expected."""
        text = str(raw).strip()
        value: ParameterValue
        if self.type == "integer":
            if isinstance(raw, bool) or not _INTEGER.match(text):
                raise ValueError(f"expected {self.expected()}, got {text!r}")
            value = int(text)
        elif self.type == "number":
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"expected {self.expected()}, got {text!r}") from None
            if isinstance(raw, bool) or not math.isfinite(value):
                raise ValueError(f"expected {self.expected()}, got {text!r}")
        elif self.type == "choice":
            if text not in self.values:
                raise ValueError(f"expected {self.expected()}, got {text!r}")
            return text
        else:
            if not re.fullmatch(self.pattern or DEFAULT_TEXT_PATTERN, text):
                raise ValueError(f"expected {self.expected()}, got {text!r}")
            return text
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise ValueError(f"expected {self.expected()}, got {text}")
        return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


class ToolConfig(Section):
    software_type: SoftwareType
    # which reader reads the output (docs/quanting.md); defaults to the software type
    metrics_type: MetricsType | None = None
    executable: str
    # a conda environment (quanting.conda_envs_dir/<env>, or `conda activate <env>`); unset: the software folder
    conda_env: str | None = None
    arguments: str = ""
    parameters: dict[str, ToolParameter] = Field(default_factory=dict)
    description: str = ""

    @field_validator("conda_env")
    @classmethod
    def _conda_env(cls, value: str | None) -> str | None:
        if value is not None and not PROGRAM_NAME.match(value):
            raise ValueError(f"expected the name of a conda environment (letters, digits, _ . + -), got {value!r}")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, value: dict[str, ToolParameter]) -> dict[str, ToolParameter]:
        for name in value:
            if not PARAMETER_NAME.match(name):
                raise ValueError(f"parameter {name!r}: expected a lower-case name (a-z, 0-9, _), written in upper "
                                 f"case in `arguments`")
            if parameter_token(name) in BUILT_IN_TOKENS:
                raise ValueError(f"parameter {name!r}: {parameter_token(name)} is a built-in token; choose another name")
        return value

    @model_validator(mode="after")
    def _executable_and_arguments(self) -> ToolConfig:
        if self.conda_env is not None and not PROGRAM_NAME.match(self.executable):
            raise ValueError(f"executable: expected a program name in conda environment {self.conda_env} "
                             f"(e.g. msqc), got {self.executable!r}")
        if self.conda_env is None:
            parts = self.executable.split("/")
            if self.executable.startswith("/") or not all(PROGRAM_NAME.match(part) for part in parts):
                raise ValueError(f"executable: expected a path below locations.software such as msqc-1.2/run_msqc "
                                 f"(no leading /, no ..), got {self.executable!r}; or set conda_env")
        try:
            words = template_words(self.arguments)
        except ValueError as err:
            raise ValueError(f"arguments: not a valid command template: {err}") from None
        used = tokens_in(words)
        unknown = sorted(t for t in used if t.endswith("_PATH") and t not in BUILT_IN_TOKENS)
        if unknown:
            raise ValueError(f"arguments: unknown token(s) {', '.join(unknown)}; known: {', '.join(BUILT_IN_TOKENS)}")
        unused = sorted(name for name in self.parameters if parameter_token(name) not in used)
        if unused:
            raise ValueError(f"parameters: {', '.join(unused)} declared but never used in arguments (write "
                             f"{', '.join(parameter_token(n) for n in unused)} where the value goes)")
        return self

    @property
    def reads_metrics_as(self) -> str:
        return self.metrics_type or self.software_type


def check_tool_names(tools: dict[str, ToolConfig]) -> dict[str, ToolConfig]:
    for name in tools:
        if not TOOL_NAME.match(name):
            raise ValueError(f"tool name {name!r}: expected letters, digits, '_', '.', '-' (at most 64)")
        if name == "alphadia":
            raise ValueError("tool name 'alphadia' is the built-in AlphaDIA; give the tool another name")
    return tools
