"""The cluster side as AlphaKraken labs know it, on the real test cluster: AlphaKraken's job environment, Sciex
file sets copied to a temporary folder, the site's job header under the hash check, and both accounting sources."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest

from kraken_core import slurm
from kraken_core.config.quanting import QuantingConfig
from kraken_core.quanting.job_header import JobHeaderError, check_header, job_script
from kraken_core.quanting.job_request import build_job_request
from kraken_core.quanting.output_folder import base_output_folder
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path
from kraken_resources.slurm import build_slurm_resource
from tests.support.quanting import (
    QC_TOOL, SOFTWARE, place_backed_up_raw_file, quanting_resources, wait_for_job_end, write_settings_files,
)

SETTINGS = {
    "_id": "s1", "name": "fast", "version": 3, "software": SOFTWARE, "software_type": "alphadia",
    "metrics_type": "alphadia", "config_file_name": "config.yaml", "speclib_file_name": "library.speclib.hdf",
    "fasta_file_name": "human.fasta", "config_params": "", "num_threads": 1, "slurm_cpus_per_task": 1,
    "slurm_mem": "200M", "slurm_time": "00:05:00",
}



def _run(config, doc, settings=SETTINGS):
    output = base_output_folder(config.locations.output.path, "PRJ1", doc["_id"], "alphadia")
    request = build_job_request(config, doc, settings, output, datetime.now(UTC))
    with build_slurm_resource(config).session() as cluster:
        job_id = cluster.submit(request)
        state = wait_for_job_end(cluster, job_id)
        shown = cluster.ssh.run(f"scontrol -o show job {job_id}", check=False).stdout
    log = next(request.log_dir_worker.glob(f"*-{job_id}.out")).read_text()
    return request, job_id, state, log, shown


def test_job_gets_alphakrakens_environment(quant_config, cluster_layout):
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_env.raw")
    request, _, state, log, _ = _run(config, doc)
    env = request.environment
    assert state.state == "COMPLETED", log
    assert env["RAW_FILE_ID"] == doc["_id"] and env["PROJECT_ID"] == "PRJ1" == env["PROJECT_ID_OR_FALLBACK"]
    assert (env["SETTINGS_NAME"], env["SETTINGS_VERSION"], env["METRICS_TYPE"]) == ("fast", "3", "alphadia")
    assert env["RELATIVE_OUTPUT_PATH"] == f"PRJ1/out_{doc['_id']}/alphadia"
    assert env["RELATIVE_RAW_FILE_PATH"] == f"thermo1/2026_11/{doc['_id']}"
    assert (env["SLURM_CPUS_PER_TASK"], env["SLURM_MEM"], env["SLURM_TIME"]) == ("1", "200M", "00:05:00")
    assert (f"raw file id: {doc['_id']} project: PRJ1 settings: fast v3 metrics: alphadia relative output: "
            f"PRJ1/out_{doc['_id']}/alphadia") in log


def test_project_fallback_in_environment(quant_config, cluster_layout):
    config = quant_config()
    doc = place_backed_up_raw_file(config, "20261102_noproject.raw", project_id=None)
    output = base_output_folder(config.locations.output.path, "_FALLBACK", doc["_id"], "alphadia")
    request = build_job_request(config, doc, SETTINGS, output, datetime.now(UTC))
    assert request.environment["PROJECT_ID"] == "_FALLBACK"
    assert request.environment["RELATIVE_OUTPUT_PATH"].startswith("_FALLBACK/")


def _place_sciex(config, name: str) -> dict:
    doc = place_backed_up_raw_file(config, name, instrument_id="zeno1")
    folder = backup_base_path(config, RawFileLocation.from_doc(doc))
    stem = name[: -len(".wiff")]
    for suffix, data in ((".wiff.scan", b"scan" * 100), (".wiff2", b"wiff2")):
        (folder / f"{stem}{suffix}").write_bytes(data)
        os.chmod(folder / f"{stem}{suffix}", 0o644)
    return doc


def test_sciex_file_set_is_copied_to_a_temporary_folder_and_removed(quant_config, cluster_layout):
    """The backup copy is read-only for the job (as on a real pool); AlphaDIA's Sciex reader needs it writable."""
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = _place_sciex(config, "20261102_PRJ1_zeno.wiff")
    request, _, state, log, _ = _run(config, doc)
    alphadia_log = (request.output_worker / "log.txt").read_text()
    assert state.state == "COMPLETED", log + alphadia_log
    assert f"file: {request.output_cluster}/tmp_raw_data/20261102_PRJ1_zeno.wiff" in alphadia_log
    assert "'20261102_PRJ1_zeno.wiff', '20261102_PRJ1_zeno.wiff.scan', '20261102_PRJ1_zeno.wiff2'" in alphadia_log
    assert "removed temporary Sciex copy" in log
    assert not (request.output_worker / "tmp_raw_data").exists()
    backup = backup_base_path(config, RawFileLocation.from_doc(doc))
    assert sorted(p.name for p in backup.iterdir()) == ["20261102_PRJ1_zeno.wiff", "20261102_PRJ1_zeno.wiff.scan",
                                                        "20261102_PRJ1_zeno.wiff2"]


def test_sciex_copy_is_removed_when_the_job_fails(quant_config, cluster_layout):
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = _place_sciex(config, "20261102_PRJ1_PSMFAIL_zeno.wiff")
    request, _, state, log, _ = _run(config, doc)
    assert state.state == "FAILED", log
    assert "removed temporary Sciex copy" in log
    assert not (request.output_worker / "tmp_raw_data").exists()


def test_a_yaml_tool_in_the_software_folder_opens_the_copied_sciex_file_set(quant_config, cluster_layout):
    """The tool gets the temporary copy (all parts beside it) as RAW_FILE_PATH; the copy is gone after the job."""
    config = quant_config(tools={"qc_tool": QC_TOOL})
    write_settings_files(cluster_layout, "qc")
    doc = _place_sciex(config, "20261102_PRJ1_tool.wiff")
    (backup_base_path(config, RawFileLocation.from_doc(doc)) / "20261102_PRJ1_tool.timeseries.data").write_bytes(b"t")
    settings = {**SETTINGS, "name": "qc", "software": "qc_tool", "software_type": "custom", "tool": "qc_tool",
                "tool_parameters": {"mode": "full"}}
    request, _, state, log, _ = _run(config, doc, settings)
    assert state.state == "COMPLETED", log
    words = (request.output_worker / "tool_args.txt").read_text().splitlines()
    assert words[:2] == ["--raw", f"{request.output_cluster}/tmp_raw_data/20261102_PRJ1_tool.wiff"]
    assert words[-2:] == ["--mode", "full"] and "tool qc_tool:" in log
    assert (request.output_worker / "raw_folder.txt").read_text().split() == [
        "20261102_PRJ1_tool.timeseries.data", "20261102_PRJ1_tool.wiff", "20261102_PRJ1_tool.wiff.scan",
        "20261102_PRJ1_tool.wiff2"]
    assert "removed temporary Sciex copy" in log and not (request.output_worker / "tmp_raw_data").exists()


HEADER = ["#SBATCH --partition=debug", "#SBATCH --nice=42", "#SBATCH --nodes=1",
          "export AK_SITE_MARKER=site-header-ran", "umask 0022"]


def test_site_job_header_runs_and_keeps_the_hash_check(quant_config, cluster_layout):
    config = quant_config(slurm={"job_header": HEADER})
    write_settings_files(cluster_layout, "fast")
    script = cluster_layout.worker("slurm") / "submit_job.sh"
    first = place_backed_up_raw_file(config, "20261102_PRJ1_header1.raw")
    request, _, state, log, shown = _run(config, first)
    assert state.state == "COMPLETED", log
    assert "site marker: site-header-ran" in (request.output_worker / "log.txt").read_text()
    assert "Nice=42" in shown and "Partition=debug" in shown
    installed = script.read_bytes()
    assert installed == job_script(tuple(HEADER))[0]
    assert installed.startswith(b"#!/usr/bin/env bash\n#SBATCH --partition=debug\n#SBATCH --nice=42\n")
    mtime = script.stat().st_mtime_ns
    time.sleep(0.05)
    _, _, state, _, _ = _run(config, place_backed_up_raw_file(config, "20261102_PRJ1_header2.raw"))
    assert state.state == "COMPLETED"
    assert script.stat().st_mtime_ns == mtime  # the hash check accepted the composed script: not reinstalled
    # a cluster copy without the header (or another one) is replaced before the next job
    _, _, state, _, _ = _run(quant_config(), place_backed_up_raw_file(quant_config(), "20261102_PRJ1_plain.raw"))
    assert state.state == "COMPLETED" and not script.read_bytes().startswith(b"#!/usr/bin/env bash\n#SBATCH")


@pytest.mark.parametrize("line", [
    "#SBATCH --partition=$(reboot)", "#SBATCH --output=/tmp/x", "#SBATCH --export=ALL", "rm -rf /",
    "module load x; reboot", "export A=`id`", "source /x | tee", "#SBATCH --nice=1 && id", "curl http://x | sh",
])
def test_job_header_refuses_anything_but_sbatch_options_and_setup_commands(line):
    with pytest.raises(JobHeaderError):
        check_header([line])
    with pytest.raises(ValueError):
        QuantingConfig(slurm={"job_header": [line]})


def test_job_header_sbatch_lines_first():
    with pytest.raises(JobHeaderError, match="before the setup commands"):
        check_header(["module purge", "#SBATCH --nice=1"])
    assert check_header(["#SBATCH --nodelist=node[02-03]", "module   load anaconda/3/2023.03"]) == (
        "#SBATCH --nodelist=node[02-03]", "module load anaconda/3/2023.03")


def _require_slurmdbd(services):
    if "SLURMDBD_PORT" not in services:
        pytest.fail("the test cluster runs without slurmdbd: restart Slurm with "
                    "KRAKEN_TEST_SERVICES=slurm tests/services/services.sh stop/start")


@pytest.mark.parametrize("accounting", ["slurmdbd", "jobcomp", "auto"])
def test_job_sensor_follows_forgotten_jobs_through_accounting(accounting, quant_config, cluster_layout, services,
                                                              mongo_db, tmp_path, monkeypatch):
    """After MinJobAge the controller no longer knows a job; the sensor finds it in slurmdbd (plain sacct) or in
    the job-completion log (sacct -c), as configured."""
    import dagster as dg

    from kraken_sensors.slurm_jobs import build_slurm_job_sensor

    _require_slurmdbd(services)
    config = quant_config(slurm={"accounting": accounting})
    write_settings_files(cluster_layout, "fast")
    doc = place_backed_up_raw_file(config, f"20261102_PRJ1_acct_{accounting}.raw")
    request, job_id, state, log, _ = _run(config, doc)
    assert state.state == "COMPLETED", log
    job = {"job_id": job_id, "state": "RUNNING", "ended_at": None, "settings_id": "s1", "settings_name": "fast",
           "settings_version": 3, "software_type": "alphadia", "metrics_type": "alphadia",
           "output_path": str(request.output_worker)}
    mongo_db.raw_file.insert_one({**doc, "status": "quanting", "quanting_jobs": [job]})
    resources = quanting_resources(config, services, mongo_db.name, tmp_path / "alphakraken.yaml")
    sent = []
    monkeypatch.setattr(slurm, "scontrol_command", lambda: "true")  # the controller has forgotten every job
    original = slurm.accounting_command
    monkeypatch.setattr(slurm, "accounting_command",
                        lambda ids, mode="auto": sent.append(original(ids, mode)) or sent[-1])
    with dg.DagsterInstance.ephemeral() as instance, \
            dg.build_sensor_context(resources=resources, instance=instance) as context:
        result = build_slurm_job_sensor(config, job=None)(context)
    assert isinstance(result, dg.SensorResult), result
    assert [r.partition_key for r in result.run_requests] == [doc["_id"]]
    [followed] = mongo_db.raw_file.find_one({"_id": doc["_id"]})["quanting_jobs"]
    assert followed["state"] == "COMPLETED" and followed["exit_code"] == 0 and followed["ended_at"] is not None
    assert sent and (" -c " in sent[0].split("||")[0]) == (accounting == "jobcomp")
    if accounting == "auto":
        assert "|| sacct -c" in sent[0]


def test_plain_sacct_reads_slurmdbd_and_sacct_c_the_completion_log(quant_config, cluster_layout, services):
    """Both sources hold the same finished job, with state, exit code and elapsed time."""
    _require_slurmdbd(services)
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_PSMFAIL_both.raw")
    _, job_id, state, _, _ = _run(config, doc)
    with build_slurm_resource(config).session() as cluster:
        answers = {mode: cluster.ssh.run(slurm.accounting_command([job_id], mode), check=False)
                   for mode in ("slurmdbd", "jobcomp")}
    for mode, result in answers.items():
        assert result.exit_code == 0, (mode, result.stderr)
        found = slurm.parse_sacct(result.stdout)[job_id]
        assert (found.state, found.exit_code) == ("FAILED", 1), mode
        assert found.elapsed_s is not None
    assert state.state == "FAILED"
