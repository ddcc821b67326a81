"""Switch-over end to end: the platform starts (real daemon) on a record exactly as AlphaKraken v1.0 left it
(tests/support/alphakraken_record.py), with nothing migrated, and carries on where AlphaKraken stopped:

- a new raw file is registered, backed up and quantified on the test Slurm cluster (fake AlphaDIA) with an old
  settings version: AlphaKraken's `fallback_std` v1 (ObjectId id), assigned to its `_FALLBACK` project in its
  `project_settings` shape;
- its metrics join the years of AlphaKraken's in one series: the companion's trends page and the MCP trend;
- a raw file AlphaKraken uploaded to S3 (its key layout, `etag__<part MB>` in `file_info`) is proven by the
  remover's S3 check against the real RADOS Gateway;
- the MCP server answers AlphaKraken's calls (its tool and argument names) in AlphaKraken's shape.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import anyio
import boto3
import pytest
import yaml
from boto3.s3.transfer import TransferConfig
from bson import ObjectId
from starlette.testclient import TestClient

from kraken_core.record.connection import MongoSettings
from kraken_core.simulator import write_thermo
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from mcp_server.record_reader import RecordReader
from mcp_server.tools import build_server
from tests.mcp.client import call, memory_session
from tests.support import alphakraken_record as ak
from tests.support.platform import ROOT, VENV_BIN, running_platform, wait_for
from tests.support.quanting import install_fake_alphadia, make_cluster_layout, quanting_section, write_settings_files

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC).replace(microsecond=0)
RECORD = ak.alphakraken_record(NOW)
# no project id among its tokens: AlphaKraken's `_FALLBACK` project, whose assignment names `fallback_std` v1
NEW_FILE = "20261202_astral1_lab_QC_new.raw"
FALLBACK_SETTINGS = next(s for s in RECORD["settings"] if s["name"] == "fallback_std")
# the oldest HeLa run on astral1, uploaded by AlphaKraken; its instrument copy is in Backup/ (`moved`)
OLD_UPLOAD = next(r for r in RECORD["raw_file"] if r["instrument_id"] == "astral1")
PART_MB = 5
MB = 1024 * 1024


def _require_s3(services: dict) -> None:
    if "S3_ENDPOINT_URL" not in services:
        pytest.fail("the test S3 server is not running: start it with KRAKEN_TEST_SERVICES=\"mongo ceph\" "
                    "tests/services/services.sh start")


def _s3_client(services: dict):
    return boto3.client("s3", endpoint_url=services["S3_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id=services["S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=services["S3_SECRET_ACCESS_KEY"])


def upload_as_alphakraken(s3, bucket: str, instrument_folder, raw: dict) -> dict:
    """What AlphaKraken leaves for a project's raw file: the object at key `{file_info path}` in the project's bucket,
    `s3_upload_path` `s3://{bucket}`, `file_info` `[size, md5, "<multipart ETag>__<part MB>"]`; returns the fields
    to set on its record."""
    name = raw["_id"]
    path = instrument_folder / "Backup" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_thermo(path.parent, name, 2 * PART_MB * MB + 12345, seed=11)
    s3.create_bucket(Bucket=bucket)
    part = PART_MB * MB
    s3.upload_file(str(path), bucket, name, Config=TransferConfig(multipart_threshold=part, multipart_chunksize=part))
    etag = s3.head_object(Bucket=bucket, Key=name)["ETag"].strip('"')
    assert etag.endswith("-3"), etag
    size = path.stat().st_size
    return {"size": size, "s3_upload_path": f"s3://{bucket}",
            "file_info": {name: [size, hashlib.md5(path.read_bytes()).hexdigest(), f"{etag}__{PART_MB}"]}}


@pytest.fixture
def switched_over(tmp_path, services, mounts):
    """The platform on AlphaKraken's record: the record is loaded before the daemon starts."""
    _require_s3(services)
    layout = make_cluster_layout(services)
    install_fake_alphadia(layout.worker("slurm") / "envs" / FALLBACK_SETTINGS["software"])
    write_settings_files(layout, FALLBACK_SETTINGS["name"])
    instruments = mounts / "instruments"
    for instrument in ak.INSTRUMENTS:
        (instruments / instrument).mkdir(parents=True, exist_ok=True)
    bucket_prefix = f"kt-{uuid.uuid4().hex[:10]}"
    s3 = _s3_client(services)

    envs = tmp_path / "envs"
    envs.mkdir()
    shutil.copy(ROOT / "envs" / "test.env", envs / "test.env")
    # purge checks on every instrument (the remover is launched once by the test), files never moved meanwhile
    lifecycle = {"file_move_delay_m": -1, "min_free_space_gb": 10**6, "min_file_age_days": 1}
    config = {
        "timings": {"watcher_interval_s": 1, "size_stable_window_s": 3, "heartbeat_interval_s": 30},
        "locations": {"instruments": {"path": str(instruments)}, **layout.locations()},
        "instruments": {i: {"type": vendor, "lifecycle": lifecycle} for i, vendor in ak.INSTRUMENTS.items()},
        "backup": {"s3": {"endpoint_url": services["S3_ENDPOINT_URL"], "bucket_prefix": bucket_prefix,
                          "chunk_size_mb": PART_MB}},
        "lifecycle": {"purging_verification_type": "s3", "remover_cron": "0 0 1 1 *"},
        "quanting": quanting_section(services, layout),
    }
    (envs / "alphakraken.test.yaml").write_text(yaml.safe_dump(config))
    env = {"KRAKEN_ENVS_DIR": str(envs), "MOUNTS_PATH": str(mounts),
           "S3_ACCESS_KEY_ID": services["S3_ACCESS_KEY_ID"], "S3_SECRET_ACCESS_KEY": services["S3_SECRET_ACCESS_KEY"]}

    def load_record(platform):
        import pymongo

        client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]))
        try:
            db = client[platform.env["MONGO_DB"]]
            for collection, docs in RECORD.items():
                db[collection].insert_many([dict(doc) for doc in docs])
            # the lab's settings are sized for its cluster; the test cluster has one small node
            db.settings.update_one({"_id": FALLBACK_SETTINGS["_id"]}, {"$set": {
                "slurm_cpus_per_task": 1, "num_threads": 1, "slurm_mem": "300M", "slurm_time": "00:05:00"}})
            upload = upload_as_alphakraken(s3, f"{bucket_prefix}-hela", instruments / "astral1", OLD_UPLOAD)
            db.raw_file.update_one({"_id": OLD_UPLOAD["_id"]}, {"$set": upload})
        finally:
            client.close()

    try:
        with running_platform(tmp_path, services, env, database_prefix="kt_switch", before_start=load_record) as up:
            yield up
    finally:
        layout.remove()
        for bucket in s3.list_buckets()["Buckets"]:
            if bucket["Name"].startswith(bucket_prefix):
                for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
                    s3.delete_object(Bucket=bucket["Name"], Key=item["Key"])
                s3.delete_bucket(Bucket=bucket["Name"])


def _launch_purge(running) -> None:
    launch = subprocess.run([str(VENV_BIN / "dagster"), "job", "launch", "-w", str(ROOT / "workspace.yaml"),
                             "-j", "purge_instrument_files"], cwd=ROOT, env=running.env, capture_output=True,
                            text=True, timeout=180)
    assert launch.returncode == 0, launch.stderr[-2000:]


async def _alphakraken_mcp_calls(db) -> dict:
    """The calls an MCP client configured for AlphaKraken makes, with its tool and argument names."""
    server = build_server(RecordReader(db), ak.INSTRUMENTS)
    async with memory_session(server) as session:
        return {
            "instruments": await call(session, "get_available_instruments"),
            "qc_week": await call(session, "get_raw_files_for_instrument", instrument_id="astral1",
                                  name_search_string="qc", max_age_in_days=7, gradient_length_filter=21,
                                  only_basic_metrics=True),
            "by_names": await call(session, "get_raw_files_by_names", raw_file_names=[NEW_FILE, OLD_UPLOAD["_id"]]),
            "trend": await call(session, "get_metric_trend", instrument_id="astral1",
                                metric="optimization:ms1_error", period_days=15),
        }


def test_the_platform_carries_on_an_alphakraken_record(switched_over, mounts):
    running, db = switched_over
    write_thermo(mounts / "instruments" / "astral1", NEW_FILE, 200_000, seed=5)
    _launch_purge(running)

    def new_file_final():
        doc = db.raw_file.find_one({"_id": NEW_FILE})
        return doc if doc and doc["status"] in ("done", "quanting_failed", "error", "done_not_quanted") else None

    def purge_checked():
        return db.instrument_file_log.find_one({"raw_file_id": OLD_UPLOAD["_id"], "step": "purge"})

    try:
        new = wait_for(new_file_final, 300, f"{NEW_FILE} to be registered, backed up and quantified", interval=2)
        proof = wait_for(purge_checked, 120, f"the remover to check {OLD_UPLOAD['_id']}", interval=2)
    except AssertionError:
        for run in running.instance().get_runs(limit=30):
            print(run.run_id, run.job_name, run.status, run.tags.get("dagster/partition"))
        print(running.log_tail(80))
        raise

    # a new raw file, quantified with AlphaKraken's settings version through AlphaKraken's assignment
    assert (new["status"], new["project_id"]) == ("done", ak.FALLBACK_PROJECT_ID), new.get("status_details")
    [job] = new["quanting_jobs"]
    assert job["state"] == "COMPLETED" and job["settings_id"] == FALLBACK_SETTINGS["_id"]
    assert isinstance(job["settings_id"], ObjectId)
    metrics = db.metrics.find_one({"raw_file": NEW_FILE})
    assert (metrics["settings_name"], metrics["settings_version"], metrics["type"]) == ("fallback_std", 1, "alphadia")
    assert metrics["proteins"] == 2 and isinstance(metrics["optimization:ms1_error"], float)
    assert "ms1_error" not in metrics

    # the old S3 upload is proven: instrument copy and S3 object (size, multipart ETag) match AlphaKraken's record
    assert proof["action"] == "would_delete", proof["reason"]
    assert "size and ETag of every S3 object (HEAD)" in proof["reason"]
    assert (mounts / "instruments" / "astral1" / "Backup" / OLD_UPLOAD["_id"]).is_file()  # ENV=test only reports

    # old and new metrics are one series: 10 HeLa runs from AlphaKraken and the new file on astral1
    companion = CompanionSettings(mongo=MongoSettings(database=db.name), webserver_base_url="http://dagster:3000",
                                  instrument_vendors=ak.INSTRUMENTS)
    trends = TestClient(build_app(companion, db)).get("/trends", params={"metric": "optimization:ms1_error",
                                                                       "days": "30"})
    assert trends.status_code == 200
    assert f"astral1: MS1 error (ppm), {ak.HELA_DAYS + 1} raw files" in trends.text

    answers = anyio.run(_alphakraken_mcp_calls, db)
    assert sorted(item["instrument_id"] for item in answers["instruments"]) == sorted(ak.INSTRUMENTS)
    week = answers["qc_week"]
    # newest first: the new file, then AlphaKraken's HeLa runs of the last 7 days (1 to 6 days old)
    assert [item["raw_file"]["name"] for item in week] == [NEW_FILE] + [
        r["_id"] for r in reversed(RECORD["raw_file"]) if r["instrument_id"] == "astral1" and "_HELA_QC_" in r["_id"]
        and r["created_at"] > NOW.replace(tzinfo=None) - timedelta(days=7)]
    assert len(week) == 7
    assert week[0]["metrics"] == {"proteins": 2, "gradient_length": 21}
    assert all(set(item["metrics"]) == {"proteins", "gradient_length"} for item in week)
    new_item, old_item = answers["by_names"]
    assert new_item["raw_file"]["created_at"].endswith("Z")
    assert set(new_item["raw_file"]) <= {"name", "instrument_id", "status", "status_details", "size", "created_at"}
    assert {"name": NEW_FILE, "instrument_id": "astral1", "status": "done", "size": 200_000}.items() <= \
        new_item["raw_file"].items()
    assert new_item["metrics"]["settings_name"] == "fallback_std" and "optimization:ms1_error" in new_item["metrics"]
    assert old_item["raw_file"]["name"] == OLD_UPLOAD["_id"] and old_item["metrics"]["settings_version"] == 2
    assert old_item["metrics"]["optimization:ms1_error"] == 2.1  # AlphaKraken's value of its first HeLa run
    assert answers["trend"]["current_period"]["count"] == ak.HELA_DAYS + 1
    assert answers["trend"]["current_period"]["latest"]["raw_file_id"] == NEW_FILE
