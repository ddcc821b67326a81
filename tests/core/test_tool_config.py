"""QC tools in the operators' YAML (`quanting.tools.<name>`): what loads, and what is refused at load with the tool
and the field named."""

from pathlib import Path

import pytest

from kraken_core.config import ConfigError, load_config

BASE = """
locations:
  instruments: {path: /data/instruments}
  backup: {path: /data/backup}
  output: {path: /data/output}
  SOFTWARE_LOCATION
instruments:
  astral1: {type: thermo}
quanting:
  tools:
TOOLS
"""

MSQC = """
    msqc:
      software_type: msqc
      executable: msqc-1.2/run_msqc
      arguments: --raw RAW_FILE_PATH --out OUTPUT_PATH --threads NUM_THREADS --tol TOLERANCE --mode MODE
      parameters:
        tolerance: {type: number, min: 1, max: 50, default: 10}
        mode: {type: choice, values: [fast, full], default: fast}
    diann:
      software_type: diann
      conda_env: diann-1.9
      executable: diann
      arguments: --f RAW_FILE_PATH --lib LIBRARY_PATH --out OUTPUT_PATH/report.tsv --threads NUM_THREADS
"""


def load(tmp_path: Path, tools: str, software_folder: bool = True):
    location = "software: {path: /data/software, absolute_path: /cluster/software}" if software_folder else ""
    source = tmp_path / "alphakraken.sandbox.yaml"
    source.write_text(BASE.replace("SOFTWARE_LOCATION", location).replace("TOOLS", tools))
    return load_config("sandbox", path=source)


def test_tools_load_with_software_types_metrics_types_and_parameters(tmp_path):
    tools = load(tmp_path, MSQC).quanting.tools
    assert set(tools) == {"msqc", "diann"}
    assert tools["msqc"].reads_metrics_as == "msqc" and tools["diann"].conda_env == "diann-1.9"
    assert tools["msqc"].parameters["tolerance"].parse("12.5") == 12.5


@pytest.mark.parametrize(("tools", "words"), [
    (MSQC.replace("software_type: msqc", "software_type: maxquant"), ["quanting.tools.msqc.software_type",
                                                                    "'alphadia', 'msqc', 'diann', 'skyline'"]),
    (MSQC.replace("msqc-1.2/run_msqc", "../../bin/sh"), ["quanting.tools.msqc", "executable", "no leading /, no .."]),
    (MSQC.replace("msqc-1.2/run_msqc", "/bin/sh"), ["quanting.tools.msqc", "executable"]),
    (MSQC.replace("executable: diann", "executable: bin/diann"), ["quanting.tools.diann", "executable",
                                                                  "conda environment diann-1.9"]),
    (MSQC.replace("--raw RAW_FILE_PATH", "--raw RAWFILE_PATH"), ["quanting.tools.msqc", "unknown token(s) RAWFILE_PATH"]),
    (MSQC.replace("--mode MODE", ""), ["quanting.tools.msqc", "mode declared but never used", "write MODE"]),
    (MSQC.replace("--mode MODE", "--mode 'MODE"), ["quanting.tools.msqc", "arguments: not a valid command template"]),
    (MSQC.replace("min: 1, max: 50, default: 10", "min: 1, max: 50, default: 99"),
     ["quanting.tools.msqc.parameters.tolerance", "default 99", "a number from 1 to 50"]),
    (MSQC.replace("{type: choice, values: [fast, full], default: fast}", "{type: choice}"),
     ["quanting.tools.msqc.parameters.mode", "needs `values`"]),
    (MSQC.replace("tolerance: {", "raw_file_path: {").replace("TOLERANCE", "RAW_FILE_PATH"),
     ["quanting.tools.msqc.parameters", "RAW_FILE_PATH is a built-in token"]),
    (MSQC.replace("    msqc:", "    alphadia:"), ["quanting.tools", "built-in AlphaDIA"]),
    (MSQC.replace("      executable: msqc", "      command: rm -rf /\n      executable: msqc"),
     ["quanting.tools.msqc.command", "unknown key"]),
])
def test_a_bad_tool_is_refused_at_load_naming_tool_and_field(tmp_path, tools, words):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, tools)
    message = str(err.value)
    assert "alphakraken.sandbox.yaml" in message
    for word in words:
        assert word in message, message


def test_a_tool_in_the_software_folder_needs_locations_software(tmp_path):
    with pytest.raises(ConfigError, match="quanting.tools msqc: executable is in the software folder.*locations.software"):
        load(tmp_path, MSQC, software_folder=False)
