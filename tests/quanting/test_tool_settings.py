"""A new settings version picks a YAML tool by name and fills only its declared parameters (fast tier: the same
validation the companion form and `create_settings_version` run)."""

from __future__ import annotations

import pytest

from kraken_core.config.tools import ToolConfig
from kraken_core.record.settings_catalog import InvalidInput, validate_settings

TOOLS = {
    "msqc": ToolConfig.model_validate({
        "software_type": "msqc", "executable": "msqc-1.2/run_msqc",
        "arguments": "--raw RAW_FILE_PATH --out OUTPUT_PATH --tol TOLERANCE --mode MODE --label LABEL",
        "parameters": {"tolerance": {"type": "number", "min": 1, "max": 50, "default": 10},
                       "mode": {"type": "choice", "values": ["fast", "full"], "default": "fast"},
                       "label": {"type": "text", "pattern": "^[a-z]{1,8}$", "default": "qc"}}}),
    "diann": ToolConfig.model_validate({
        "software_type": "custom", "metrics_type": "diann", "conda_env": "diann-1.9", "executable": "diann",
        "arguments": "--f RAW_FILE_PATH --lib LIBRARY_PATH --threads NUM_THREADS"}),
}


def problems_of(values: dict) -> str:
    with pytest.raises(InvalidInput) as err:
        validate_settings({"name": "qc", **values}, TOOLS)
    return str(err.value)


def test_a_tool_settings_version_stores_the_tool_and_typed_parameters_with_defaults():
    fields = validate_settings({"name": "qc", "tool": "msqc", "tool_parameters": {"tolerance": "12.5"}}, TOOLS)
    assert fields["tool"] == "msqc" and fields["software"] == "msqc" and fields["config_params"] == ""
    assert (fields["software_type"], fields["metrics_type"]) == ("msqc", "msqc")
    assert fields["tool_parameters"] == {"tolerance": 12.5, "mode": "fast", "label": "qc"}
    diann = validate_settings({"name": "d", "tool": "diann", "speclib_file_name": "lib.speclib"}, TOOLS)
    assert (diann["software_type"], diann["metrics_type"]) == ("custom", "diann")


@pytest.mark.parametrize(("values", "words"), [
    ({"tool": "msqc", "config_params": "--raw RAW_FILE_PATH; curl x | sh"},
     "config_params: tool msqc takes no command text; commands are defined by operators in the YAML"),
    ({"tool": "msqc", "command": "/bin/sh -c id"}, "command: tool msqc takes no command text"),
    ({"tool": "msqc", "software": "/bin/sh"}, "software: the executable of tool msqc is defined in the YAML"),
    ({"software_type": "custom", "software": "run.sh", "config_params": "RAW_FILE_PATH"},
     "software type custom: commands are defined by operators in the YAML (quanting.tools.<name>"),
    ({"tool": "msqc", "tool_parameters": {"script": "x"}}, "parameter script: tool msqc declares no such parameter"),
    ({"tool": "msqc", "tool_parameters": {"tolerance": "51"}},
     "parameter tolerance of tool msqc: expected a number from 1 to 50, got 51"),
    ({"tool": "msqc", "tool_parameters": {"tolerance": "nan"}}, "expected a number from 1 to 50, got 'nan'"),
    ({"tool": "msqc", "tool_parameters": {"mode": "fast;id"}}, "expected one of fast, full, got 'fast;id'"),
    ({"tool": "msqc", "tool_parameters": {"label": "--output=/etc"}}, "expected text matching ^[a-z]{1,8}$"),
    ({"tool": "maxquant"}, "tool: 'maxquant' is not defined in quanting.tools (defined: diann, msqc)"),
    ({"tool": "diann"}, "spectral library: tool diann uses LIBRARY_PATH"),
    ({"tool": "msqc", "software_type": "skyline"}, "software type: tool msqc is msqc (set in the YAML)"),
    ({"software": "alphadia-2.3.0", "fasta_file_name": "h.fasta", "tool_parameters": {"x": 1}},
     "tool parameters: AlphaDIA takes none"),
    ({"software": "alphadia-2.3.0", "fasta_file_name": "h.fasta", "executable": "/bin/sh"},
     "executable: AlphaDIA runs as built in"),
])
def test_commands_unknown_parameters_and_values_out_of_range_are_refused(values, words):
    assert words in problems_of(values)


def test_alphadia_keeps_its_config_params():
    fields = validate_settings({"name": "fast", "software": "alphadia-2.3.0", "fasta_file_name": "h.fasta",
                                "config_params": "--quant-dir /x"}, TOOLS)
    assert fields["config_params"] == "--quant-dir /x" and "tool" not in fields and fields["software_type"] == "alphadia"
