"""End to end with the Dagster daemon: a finished acquisition is backed up, and the request_s3_uploads sensor
uploads it to the real Ceph RGW in a run of its own, with credentials only from the environment."""

import shutil

import pytest
import yaml

from kraken_core.s3_layout import bucket_name
from kraken_core.simulator import write_thermo
from tests.s3.conftest import CHUNK_MB
from tests.support.platform import ROOT, running_platform, wait_for

pytestmark = pytest.mark.e2e
MB = 1024 * 1024


@pytest.fixture
def platform(tmp_path, services, s3_service, mounts, bucket_prefix):
    envs = tmp_path / "envs"
    envs.mkdir()
    shutil.copy(ROOT / "envs" / "test.env", envs / "test.env")
    config = yaml.safe_load((ROOT / "envs" / "alphakraken.test.yaml").read_text())
    config["backup"] = {
        "backup_type": "s3",
        "progress_log_interval_s": 1,
        "s3": {"endpoint_url": s3_service["S3_ENDPOINT_URL"], "bucket_prefix": bucket_prefix,
               "chunk_size_mb": CHUNK_MB, "auto_create_buckets": True, "max_parallel_uploads": 1},
    }
    (envs / "alphakraken.test.yaml").write_text(yaml.safe_dump(config))
    env = {"KRAKEN_ENVS_DIR": str(envs), "MOUNTS_PATH": str(mounts),
           "S3_ACCESS_KEY_ID": s3_service["S3_ACCESS_KEY_ID"],
           "S3_SECRET_ACCESS_KEY": s3_service["S3_SECRET_ACCESS_KEY"]}
    with running_platform(tmp_path, services, env, database_prefix="kt_s3e2e") as running:
        yield running


def test_backed_up_acquisition_is_uploaded_by_the_sensor_and_verified(platform, mounts, s3_client, s3_service,
                                                                      bucket_prefix):
    running, db = platform
    thermo = mounts / "instruments" / "thermo1"
    write_thermo(thermo, "20240301_PRJ1_e2e.raw", 12 * MB, seed=7)

    def uploaded():
        doc = db.raw_file.find_one({"_id": "20240301_PRJ1_e2e.raw"})
        return doc if doc and doc.get("backup_status") in ("upload_done", "upload_failed") else None

    try:
        doc = wait_for(uploaded, 240, "the raw file to be backed up and uploaded")
    except AssertionError:
        print(running.log_tail())
        raise
    assert doc["backup_status"] == "upload_done", doc.get("s3_upload_error")
    assert doc["status"] == "done_not_quanted"
    size, _, etag = doc["file_info"]["20240301_PRJ1_e2e.raw"]
    bucket = bucket_name(bucket_prefix, "PRJ1")
    head = s3_client.head_object(Bucket=bucket, Key="thermo1/20240301_PRJ1_e2e.raw")
    assert head["ETag"].strip('"') == etag and etag.endswith("-3") and head["ContentLength"] == size

    instance = running.instance()
    upload_runs = [r for r in instance.get_runs() if r.job_name == "raw_file_s3_upload"]
    assert [r.tags.get("dagster/partition") for r in upload_runs] == ["20240301_PRJ1_e2e.raw"]
    assert instance.event_log_storage.get_concurrency_info("uploads").slot_count == 1
    # the secret never reaches the run logs
    secret = s3_service["S3_SECRET_ACCESS_KEY"]
    assert not any(secret in (entry.user_message or "") for entry in instance.all_logs(upload_runs[0].run_id))
