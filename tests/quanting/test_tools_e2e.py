"""End to end on the test cluster: one raw file quantified by AlphaDIA and checked by MSQC (a tool of the
operators' YAML in the software folder) ends `done` with both metric sets in the record, side by side, and in the
quality_metrics materialization.
"""

import os
import shutil
import uuid
from pathlib import Path

import dagster as dg
import pymongo
import pytest

from kraken_core.config.tools import ToolConfig
from kraken_core.record.settings_catalog import assign_settings, create_project, create_settings_version
from kraken_core.simulator import write_thermo
from tests.support.platform import DagsterPlatform, wait_for
from tests.support.quanting import (
    SOFTWARE, make_cluster_layout, quanting_section, write_platform_config, write_settings_files,
)

pytestmark = pytest.mark.e2e

RAW_FILE = "20261102_PRJ1_qc_hela.raw"
MSQC_EXECUTABLE = "fake_msqc-1.0/msqc"
TOOLS = {"msqc": {"software_type": "msqc", "executable": MSQC_EXECUTABLE,
                  "arguments": "RAW_FILE_PATH OUTPUT_PATH NUM_THREADS",  # as AlphaKraken's run_msqc.sh calls it
                  "description": "MS acquisition metrics (injection times, TICs, Evosep pump pressure)"}}


def install_fake_msqc(software: Path) -> None:
    """The fake MSQC extractor at `<software folder>/MSQC_EXECUTABLE`, executable by the cluster user."""
    executable = software / MSQC_EXECUTABLE
    executable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("fake_msqc.py"), executable)
    for path in (executable.parent, executable):
        os.chmod(path, 0o755)


@pytest.fixture
def two_tool_platform(tmp_path, services, mounts):
    layout = make_cluster_layout(services)
    database = f"kt_tools_{uuid.uuid4().hex[:8]}"
    install_fake_msqc(layout.worker("software"))
    env = write_platform_config(tmp_path, services, mounts, layout, database,
                                {**quanting_section(services, layout), "tools": TOOLS})
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
    db = client[database]
    create_project(db, {"project_id": "PRJ1", "name": "Project 1"}, "test")
    job = {"slurm_cpus_per_task": "1", "num_threads": "1", "slurm_mem": "300M", "slurm_time": "00:05:00"}
    alphadia = create_settings_version(db, {"name": "fast", "software": SOFTWARE, "config_file_name": "config.yaml",
                                            "fasta_file_name": "human.fasta", **job}, "test")
    tools = {name: ToolConfig.model_validate(spec) for name, spec in TOOLS.items()}
    msqc = create_settings_version(db, {"name": "qc", "tool": "msqc", **job}, "test", tools)
    for settings in (alphadia, msqc):
        assign_settings(db, {"project_id": "PRJ1", "settings_id": settings["_id"]}, {"thermo1": "thermo"}, "test")
    write_settings_files(layout, "fast")
    running = DagsterPlatform(tmp_path, env).start(webserver=False)
    try:
        yield running, db
    finally:
        running.stop()
        client.drop_database(database)
        client.close()
        layout.remove()


def step_failures(instance) -> list[str]:
    """What failed in the runs that failed, for the assertion message."""
    failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
    return [f"{run.job_name}: {event.dagster_event.step_failure_data.error.message}"
            for run in failed for event in instance.all_logs(run.run_id)
            if event.dagster_event and event.dagster_event.is_step_failure]


def test_a_raw_file_checked_by_alphadia_and_msqc_ends_done_with_both_metric_sets(two_tool_platform, mounts):
    running, db = two_tool_platform
    write_thermo(mounts / "instruments" / "thermo1", RAW_FILE, 200_000, seed=7)

    def finished():
        doc = db.raw_file.find_one({"_id": RAW_FILE})
        return doc if doc and doc["status"] in {"done", "quanting_failed", "error", "done_not_quanted"} else None

    try:
        doc = wait_for(finished, 300, f"{RAW_FILE} to reach its final status", interval=2)
    except AssertionError:
        print(db.raw_file.find_one({"_id": RAW_FILE}), running.log_tail(80))
        raise
    assert doc["status"] == "done", (doc.get("status_details"), step_failures(running.instance()))
    jobs = {job["settings_name"]: job for job in doc["quanting_jobs"]}
    assert {name: (job["state"], job["outcome"]) for name, job in jobs.items()} == {
        "fast": ("COMPLETED", "done"), "qc": ("COMPLETED", "done")}
    assert jobs["qc"]["metrics_type"] == "msqc" and jobs["qc"]["output_path"].endswith("/msqc")
    assert "MSQC output found" in jobs["qc"]["outcome_reason"]

    metrics = {m["type"]: m for m in db.metrics.find({"raw_file": RAW_FILE})}
    assert set(metrics) == {"alphadia", "msqc"}
    alphadia, msqc = metrics["alphadia"], metrics["msqc"]
    assert (alphadia["settings_name"], alphadia["precursors"], alphadia["proteins"]) == ("fast", 4, 2)
    assert msqc["settings_name"] == "qc" and msqc["settings_version"] == 1
    assert msqc["evosep_pump_hp_pressure_max"] == 417.0  # the name the pump-pressure alert reads
    assert (msqc["ms1_median_injection_time"], msqc["ms2_scans"], msqc["ms2_median_tic"]) == (0.91, 200, 1029877.25)
    assert msqc["gradient_length"] == pytest.approx(21.4983) and msqc["time_elapsed"] is not None
    assert "precursors" not in msqc and "evosep_pump_hp_pressure_max" not in alphadia

    [record] = running.instance().fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("quality_metrics"), asset_partitions=[RAW_FILE]), limit=1,
    ).records
    metadata = record.asset_materialization.metadata
    assert metadata["metrics_documents"].value == 2
    assert metadata["fast/metrics_type"].value == "alphadia" and metadata["qc/metrics_type"].value == "msqc"
    assert metadata["fast/proteins"].value == 2.0 and metadata["qc/evosep_pump_hp_pressure_max"].value == 417.0
    assert "| qc v1 | msqc |" in metadata["summary"].value
