"""End to end with the local job engine: the real Dagster daemon, no Slurm and no SSH. The demo's setup assigns its
settings (the simulated AlphaDIA through the local engine); raw files dropped into a watched folder are backed up,
run as local jobs under the job script, followed by the job sensor and end `done` with metrics, or
`quanting_failed` with AlphaKraken's code for the simulated known failure."""

from pathlib import Path

import dagster as dg
import pymongo
import pytest
import yaml

from kraken_core.config.schema import KrakenConfig
from kraken_core.demo import setup as demo
from kraken_core.demo.simulated_alphadia import fails
from kraken_core.simulator import write_thermo
from tests.support.platform import DagsterPlatform, wait_for
from tests.support.quanting import write_local_engine_config

pytestmark = pytest.mark.e2e

GOOD = ["20261102_thermo1_PRJ1_HeLa_001.raw", "20261102_thermo1_PRJ1_HeLa_002.raw"]
FAILING = next(f"20261102_thermo1_PRJ1_HeLa_{i:03d}.raw" for i in range(3, 500)
               if fails(f"20261102_thermo1_PRJ1_HeLa_{i:03d}"))


@pytest.fixture
def local_platform(tmp_path, services, mounts):
    env, layout, database = write_local_engine_config(tmp_path, services, mounts, "kt_local")
    config = KrakenConfig.model_validate(yaml.safe_load((tmp_path / "envs" / "alphakraken.test.yaml").read_text()))
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
    db = client[database]
    demo.install_stand_in(config)
    assert "created" in demo.assign_demo_settings(db, config)
    assert "already in place" in demo.assign_demo_settings(db, config)  # idempotent: every demo start runs it
    running = DagsterPlatform(tmp_path, env).start(webserver=False)
    try:
        yield running, db, layout
    finally:
        running.stop()
        client.drop_database(database)
        client.close()


def test_raw_files_are_quantified_by_local_jobs_and_end_done_with_metrics(local_platform, mounts):
    running, db, layout = local_platform
    folder = mounts / "instruments" / "thermo1"
    for seed, name in enumerate([*GOOD, FAILING]):
        write_thermo(folder, name, 100_000, seed=seed)

    def all_final():
        docs = {d["_id"]: d for d in db.raw_file.find({})}
        final = {"done", "done_not_quanted", "quanting_failed", "error", "acquisition_failed"}
        return docs if {*GOOD, FAILING} <= {rid for rid, d in docs.items() if d["status"] in final} else None

    try:
        docs = wait_for(all_final, 420, "every raw file to reach its final status", interval=2)
    except AssertionError:
        for doc in db.raw_file.find({}):
            print(doc["_id"], doc["status"], doc.get("status_details"), doc.get("quanting_jobs"))
        print(running.log_tail(80))
        raise
    for name in GOOD:
        assert docs[name]["status"] == "done", (name, docs[name].get("status_details"))
    assert docs[FAILING]["status"] == "quanting_failed"
    assert docs[FAILING]["status_details"] == f"error while processing: [{demo.SETTINGS_NAME}] TOO_FEW_PSM"

    job = docs[GOOD[0]]["quanting_jobs"][0]
    assert job["job_id"].startswith("local-") and job["state"] == "COMPLETED" and job["exit_code"] == 0
    assert job["output_path_cluster"].startswith(str(layout.worker("output")))  # worker paths, no mapping
    log = Path(job["log_path"]).read_text()
    assert f"== alphakraken job {job['job_id']}" in log and "== finished with exit code 0" in log
    assert Path(job["log_path"]).parent.is_relative_to(layout.worker("slurm"))
    metrics = db.metrics.find_one({"raw_file": GOOD[0], "precursors": {"$exists": True}})
    assert metrics["settings_name"] == demo.SETTINGS_NAME
    assert 20_000 < metrics["precursors"] < 60_000 and 2_000 < metrics["proteins"] < 10_000
    assert metrics["fwhm_rt"] > 0 and metrics["gradient_length"] == 21.0

    instance = running.instance()
    [record] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("quality_metrics"), asset_partitions=[GOOD[0]]), limit=1,
    ).records
    assert record.asset_materialization.metadata["precursors"].value == float(metrics["precursors"])
    [submitted] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("alphadia_job"), asset_partitions=[GOOD[0]]), limit=1,
    ).records
    metadata = submitted.asset_materialization.metadata
    assert metadata["engine"].value == "local" and metadata["job_id"].value == job["job_id"]
    assert "slurm_job_id" not in metadata
