"""End to end through the real Dagster daemon, real sbatch over real SSH and the fake AlphaDIA on the test cluster.

Raw files dropped into a watched instrument folder are backed up, submitted (the first configured head node is
down: every session fails over to the second), followed by the slurm_jobs sensor, and end in their outcomes:
`done` with a `metrics` document, `quanting_failed` for each failing variant, `done_not_quanted` for names the
gate refuses, a hostile one among them, which runs nothing anywhere.
"""

import uuid

import dagster as dg
import pymongo
import pytest

from kraken_core.record.settings_catalog import assign_settings, create_project, create_settings_version
from kraken_core.simulator import write_thermo
from tests.support.platform import DagsterPlatform, free_port, wait_for
from tests.support.quanting import (
    SOFTWARE, make_cluster_layout, quanting_section, write_platform_config, write_settings_files,
)

pytestmark = pytest.mark.e2e

HOSTILE = "20261102_PRJ1_$(touch pwned1)`touch pwned2`'q\";touch pwned3.raw"
EXPECTED = {
    "20261102_PRJ1_good.raw": ("done", None),
    "20261102_PRJ1_V1X_legacy.raw": ("done", None),
    "20261102_PRJ1_PSMFAIL_a.raw": ("quanting_failed", "error while processing: [fast] TOO_FEW_PSM"),
    "20261102_PRJ1_NOIDS_a.raw": ("quanting_failed", "error while processing: [fast] NO_IDENTIFICATIONS"),
    "20261102_PRJ1_OOM_a.raw": ("quanting_failed", "error while processing: [fast] OUT_OF_MEMORY"),
    "20261102_PRJ1_SLOW_a.raw": ("quanting_failed", "error while processing: [fast] TIMEOUT"),
    "20261102_PRJ1_dda_a.raw": ("done_not_quanted", "DDA"),
    HOSTILE: ("done_not_quanted", "rename the file"),
}


@pytest.fixture
def quanting_platform(tmp_path, services, mounts):
    layout = make_cluster_layout(services)
    database = f"kt_quant_{uuid.uuid4().hex[:8]}"
    env = write_platform_config(tmp_path, services, mounts, layout, database, quanting_section(
        services, layout, hosts=[f"127.0.0.1:{free_port()}", f"127.0.0.1:{services['SSH_PORT']}"]))
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
    db = client[database]
    create_project(db, {"project_id": "PRJ1", "name": "Project 1"}, "test")
    settings = create_settings_version(db, {
        "name": "fast", "software": SOFTWARE, "config_file_name": "config.yaml", "fasta_file_name": "human.fasta",
        "speclib_file_name": "library.speclib.hdf", "slurm_cpus_per_task": "1", "num_threads": "1",
        "slurm_mem": "300M", "slurm_time": "00:00:05"}, "test")
    assign_settings(db, {"project_id": "PRJ1", "settings_id": settings["_id"]}, {"thermo1": "thermo"}, "test")
    write_settings_files(layout, "fast")
    running = DagsterPlatform(tmp_path, env).start(webserver=False)
    try:
        yield running, db, layout
    finally:
        running.stop()
        client.drop_database(database)
        client.close()
        layout.remove()


def test_raw_files_are_quantified_on_slurm_and_end_in_their_outcomes(quanting_platform, mounts, services):
    running, db, layout = quanting_platform
    folder = mounts / "instruments" / "thermo1"
    for seed, name in enumerate(EXPECTED):
        write_thermo(folder, name, 200_000, seed=seed)

    def all_final():
        docs = {d["_id"]: d for d in db.raw_file.find({})}
        final = {"done", "done_not_quanted", "quanting_failed", "error", "acquisition_failed"}
        return docs if set(EXPECTED) <= {rid for rid, d in docs.items() if d["status"] in final} else None

    try:
        docs = wait_for(all_final, 420, "every raw file to reach its final status", interval=2)
    except AssertionError:
        for doc in db.raw_file.find({}):
            print(doc["_id"], doc["status"], doc.get("status_details"), doc.get("quanting_jobs"))
        for run in running.instance().get_runs():
            print(run.run_id, run.job_name, run.status, run.tags.get("dagster/partition"))
        print(running.log_tail(80))
        raise
    for rid, (status, words) in EXPECTED.items():
        doc = docs[rid]
        assert doc["status"] == status, (rid, doc["status"], doc.get("status_details"))
        if status == "quanting_failed":  # AlphaKraken's form; the readable reason stays with the job
            assert doc["status_details"] == words, (rid, doc["status_details"])
        elif words:
            assert words in doc["status_details"], (rid, doc["status_details"])

    good = docs["20261102_PRJ1_good.raw"]
    job = good["quanting_jobs"][0]
    assert job["state"] == "COMPLETED" and job["host"] == f"127.0.0.1:{services['SSH_PORT']}"
    assert job["output_path_cluster"].startswith(str(layout.cluster_root))
    metrics = db.metrics.find_one({"raw_file": "20261102_PRJ1_good.raw"})
    assert metrics["settings_name"] == "fast" and metrics["settings_version"] == 1
    assert (metrics["precursors"], metrics["proteins"], metrics["gradient_length"]) == (4, 2, 21.0)
    assert metrics["fwhm_mobility"] is None and metrics["time_elapsed"] is not None
    assert db.metrics.find_one({"raw_file": "20261102_PRJ1_V1X_legacy.raw"})["precursors"] == 4
    assert db.metrics.count_documents({"precursors": {"$exists": True}}) == 2
    # the four quanting_failed jobs keep a document with their time_elapsed alone, as AlphaKraken does
    assert db.metrics.count_documents({}) == 6
    assert "quanting_jobs" not in docs[HOSTILE]
    assert "out of memory" in docs["20261102_PRJ1_OOM_a.raw"]["quanting_jobs"][0]["outcome_reason"]
    leftovers = [p for root in (layout.worker_root, mounts) for p in root.rglob("pwned*")]
    assert leftovers == []

    instance = running.instance()
    [record] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("quality_metrics"), asset_partitions=["20261102_PRJ1_good.raw"]),
        limit=1,
    ).records
    metadata = record.asset_materialization.metadata
    assert metadata["precursors"].value == 4.0 and metadata["proteins"].value == 2.0
    [submitted] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("alphadia_job"), asset_partitions=["20261102_PRJ1_good.raw"]),
        limit=1,
    ).records
    assert submitted.asset_materialization.metadata["job_id"].value == job["job_id"]
    assert submitted.asset_materialization.metadata["engine"].value == "slurm"
