"""End to end, driven by sensors for real: the Dagster daemon and webserver watch temp instrument folders.

Acquisitions of all three vendors are written while the platform runs; the test observes identical backups,
the final statuses in MongoDB and the partitions in Dagster, within a bounded wait.
"""

import json
import os
import urllib.request

import dagster as dg
import pytest

from kraken_core.simulator import write_bruker, write_sciex, write_thermo
from tests.support.platform import running_platform, wait_for

pytestmark = pytest.mark.e2e

HOSTILE = "20240301_PRJ1_$(touch pwned); `id` it's.raw"


def backup_of(doc: dict, mounts) -> list:
    base = mounts / "backup" / doc["instrument_id"] / doc["created_at"].strftime("%Y_%m")
    return [(base / f"{doc.get('collision_flag') or ''}{rel}", rel) for rel in doc["file_info"]]


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def platform(tmp_path, services, mounts):
    with running_platform(tmp_path, services, {"MOUNTS_PATH": str(mounts)}, webserver=True) as running:
        yield running


def test_acquisitions_of_all_vendors_are_backed_up_verified_and_recorded(platform, mounts, tmp_path):
    running, db = platform
    os.chdir(tmp_path)
    thermo, bruker, sciex = (mounts / "instruments" / i for i in ("thermo1", "bruker1", "sciex1"))
    write_thermo(thermo, "20240301_PRJ1_first.raw", 3_000_000, seed=1)
    write_bruker(bruker, "20240301_PRJ2_tims.d", 2_000_000, seed=2)
    write_sciex(sciex, "20240301_zeno.wiff", 1_000_000, seed=3)
    wait_for(lambda: db.raw_file.count_documents({}) >= 3, 90, "the watchers to register the first files")
    write_thermo(thermo, HOSTILE, 1_500_000, seed=4)  # the next acquisition: finishes the first one

    expected = {"20240301_PRJ1_first.raw", "20240301_PRJ2_tims.d", "20240301_zeno.wiff", HOSTILE}

    def all_done():
        docs = list(db.raw_file.find({}))
        finished = {d["_id"] for d in docs if d["status"] in ("done_not_quanted", "error", "acquisition_failed")}
        return docs if finished >= expected else None

    try:
        docs = wait_for(all_done, 180, "every raw file to reach a final status")
    except AssertionError:
        print(running.log_tail())
        raise
    by_id = {d["_id"]: d for d in docs}
    for rid in expected:
        doc = by_id[rid]
        assert doc["status"] == "done_not_quanted", (rid, doc["status"], doc.get("status_details"))
        assert doc["backup_status"] == "copying_done"
        for target, rel in backup_of(doc, mounts):
            source = mounts / "instruments" / doc["instrument_id"] / rel
            assert target.read_bytes() == source.read_bytes(), target
    assert by_id["20240301_PRJ1_first.raw"]["project_id"] == "PRJ1"
    assert by_id["20240301_PRJ2_tims.d"]["project_id"] == "PRJ2"
    assert "20240301_PRJ2_tims.d/analysis.tdf_bin" in by_id["20240301_PRJ2_tims.d"]["file_info"]
    assert set(by_id["20240301_zeno.wiff"]["file_info"]) == {
        "20240301_zeno.wiff", "20240301_zeno.wiff.scan", "20240301_zeno.wiff2"}
    assert not (tmp_path / "pwned").exists() and not (mounts / "pwned").exists()

    instance = running.instance()
    assert expected <= set(instance.get_dynamic_partitions("raw_files"))
    heartbeat = db.kraken_status.find_one({"_id": "thermo1"})
    assert heartbeat["status"] == "ok" and heartbeat["free_space_gb"] > 0

    answer = wait_for(
        lambda: graphql(running.url, '{ assetNodeOrError(assetKey: {path: ["raw_file_backup"]}) '
                                     '{ ... on AssetNode { partitionKeys } } }'),
        60, "the webserver to answer GraphQL")
    assert expected <= set(answer["data"]["assetNodeOrError"]["partitionKeys"])


def test_a_backlog_is_backed_up_in_catch_up_runs_each_file_once(platform, mounts):
    """More finished files in one tick than catch_up.batch_threshold (8 in the test environment): batches."""
    running, db = platform
    thermo = mounts / "instruments" / "thermo1"
    names = [f"20240301_PRJ1_backlog_{i:02d}.raw" for i in range(12)]
    for i, name in enumerate(names):
        write_thermo(thermo, name, 200_000 + i, seed=i)

    def all_backed_up():
        # the status advances in its own write after the backup's: wait for both, so no file is caught in between
        docs = list(db.raw_file.find({"backup_status": "copying_done"}))
        settled = [doc for doc in docs if doc["status"] != "copying_done"]
        return docs if len(settled) == len(names) else None

    try:
        docs = wait_for(all_backed_up, 180, "every file of the backlog to be backed up and its status to advance")
    except AssertionError:
        print(running.log_tail())
        raise
    for doc in docs:
        assert doc["status"] == "done_not_quanted", (doc["_id"], doc.get("status_details"))
        for target, rel in backup_of(doc, mounts):
            assert target.read_bytes() == (thermo / rel).read_bytes(), target

    instance = running.instance()
    ended = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}

    def catch_up_runs_ended():
        records = instance.get_run_records(filters=dg.RunsFilter(job_name="raw_file_catch_up"))
        return records if records and all(r.dagster_run.status in ended for r in records) else None

    catch_up = wait_for(catch_up_runs_ended, 60, "the catch-up runs to end")
    single = instance.get_run_records(filters=dg.RunsFilter(job_name="raw_file_pipeline"))
    batched = [rid for r in catch_up for rid in r.dagster_run.run_config["ops"]["back_up_raw_files"]["config"][
        "raw_file_ids"]]
    assert catch_up, "a tick that finds 12 finished files requests catch-up runs"
    assert sorted(batched + [r.dagster_run.tags["dagster/partition"] for r in single]) == sorted(names)
    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in catch_up)
    recorded = [r.partition_key for r in instance.fetch_materializations(dg.AssetKey("raw_file_backup"),
                                                                         limit=100).records]
    assert sorted(recorded) == sorted(names), "one raw_file_backup materialization per raw file"
