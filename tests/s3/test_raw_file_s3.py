"""raw_file_s3 against a real Ceph RADOS Gateway: multipart upload verified by ETag, skip, never overwrite,
failures recorded without touching the raw file's quanting status."""

import hashlib

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_assets.raw_file_s3 import raw_file_s3, raw_file_s3_upload
from kraken_core.config.schema import KrakenConfig
from kraken_core.record.raw_files import get_raw_file
from kraken_core.s3_layout import bucket_name
from kraken_core.simulator import write_bruker, write_thermo
from kraken_sensors.s3_uploads import build_s3_upload_sensor
from tests.s3.conftest import CHUNK_MB, s3_config_dict
from tests.support.pipeline import (
    materialize_partition,
    register,
    resources_for,
    write_config_file,
)
from tests.support.platform import free_port

BACKUP = [raw_file, raw_file_backup]
MB = 1024 * 1024


@pytest.fixture
def pipeline(mounts, tmp_path, services, s3_service, mongo_db, bucket_prefix, s3_resource, instance):
    """Returns (config, resources, run) where run(rid, s3=None) materializes raw_file_s3 for one partition."""

    def build(**s3):
        data = s3_config_dict(mounts, s3_service["S3_ENDPOINT_URL"], bucket_prefix, **s3)
        config_file = write_config_file(tmp_path / f"alphakraken-{len(s3)}.yaml", data)
        resources = {**resources_for(config_file, services, mongo_db.name), "s3": s3_resource}
        config = KrakenConfig.model_validate(data)

        def run(rid: str, s3_override: S3Resource | None = None):
            return materialize_partition([raw_file_s3], rid, {**resources, "s3": s3_override or s3_resource},
                                         instance)

        return config, resources, run

    return build


def backed_up(mongo_db, config, resources, instance, instrument_id: str) -> str:
    [rid] = register(mongo_db, config, instrument_id)
    assert materialize_partition(BACKUP, rid, resources, instance).success
    return rid


def test_large_file_is_uploaded_in_parts_verified_by_etag_and_a_rerun_skips(
    pipeline, mongo_db, instance, s3_client, bucket_prefix
):
    config, resources, run = pipeline()
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_big.raw", 50 * MB)
    rid = backed_up(mongo_db, config, resources, instance, "thermo1")
    before = get_raw_file(mongo_db, rid)
    size, md5, local_etag = before["file_info"]["20240301_PRJ1_big.raw"]
    assert local_etag.endswith(f"-{50 // CHUNK_MB}") and local_etag != md5

    result = run(rid)
    assert result.success
    bucket = bucket_name(bucket_prefix, "PRJ1")
    head = s3_client.head_object(Bucket=bucket, Key="thermo1/20240301_PRJ1_big.raw")
    assert head["ETag"].strip('"') == local_etag and head["ContentLength"] == size == 50 * MB
    # the stored bytes are the instrument file's bytes
    body = s3_client.get_object(Bucket=bucket, Key="thermo1/20240301_PRJ1_big.raw")["Body"].read()
    assert hashlib.md5(body).hexdigest() == md5
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "upload_done"
    assert doc["s3_upload_path"] == f"s3://{bucket}/thermo1/20240301_PRJ1_big.raw"
    assert doc["steps"]["uploaded_to_s3"]["run_id"] == result.run_id  # for the companion's timeline
    assert doc["status"] == before["status"] and doc["status_details"] == before["status_details"]
    meta = result.asset_materializations_for_node("raw_file_s3")[0].metadata
    assert meta["objects_uploaded"].value == 1 and meta["uploaded_bytes"].value == 50 * MB
    # progress was logged while the parts went up
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    progress = [m for m in messages if "to S3: " in m and "% of " in m]
    assert progress, "expected progress lines in the run log"

    again = run(rid)
    assert again.success
    meta = again.asset_materializations_for_node("raw_file_s3")[0].metadata
    assert meta["objects_skipped_identical"].value == 1 and meta["uploaded_bytes"].value == 0
    versions = s3_client.list_object_versions(Bucket=bucket, Prefix="thermo1/")["Versions"]
    assert len(versions) == 1, "a rerun must not write the object again"


def test_bruker_folder_keeps_its_tree_and_new_bucket_is_versioned(pipeline, mongo_db, instance, s3_client,
                                                                  bucket_prefix):
    config, resources, run = pipeline()
    write_bruker(config.instrument_folder("bruker1"), "20240301_PRJ2_x.d", 12 * MB)
    rid = backed_up(mongo_db, config, resources, instance, "bruker1")
    assert run(rid).success
    doc = get_raw_file(mongo_db, rid)
    bucket = bucket_name(bucket_prefix, doc["project_id"])
    file_info = doc["file_info"]
    assert len(file_info) == 4 and bucket == f"{bucket_prefix}-prj2"
    for rel, (size, _, etag) in file_info.items():
        head = s3_client.head_object(Bucket=bucket, Key=f"bruker1/{rel}")
        assert (head["ContentLength"], head["ETag"].strip('"')) == (size, etag)
    assert s3_client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert get_raw_file(mongo_db, rid)["s3_upload_path"] == f"s3://{bucket}/bruker1/20240301_PRJ2_x.d"


def test_different_object_on_the_server_fails_and_is_not_overwritten(pipeline, mongo_db, instance, s3_client,
                                                                     bucket_prefix):
    config, resources, run = pipeline()
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_c.raw", 11 * MB)
    rid = backed_up(mongo_db, config, resources, instance, "thermo1")
    bucket = bucket_name(bucket_prefix, "PRJ1")
    s3_client.create_bucket(Bucket=bucket)
    s3_client.put_object(Bucket=bucket, Key="thermo1/20240301_PRJ1_c.raw", Body=b"another file")
    before = get_raw_file(mongo_db, rid)

    result = run(rid)
    assert not result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "upload_failed"
    assert "not overwritten" in doc["s3_upload_error"] and "20240301_PRJ1_c.raw" in doc["s3_upload_error"]
    assert doc["status"] == before["status"] and doc.get("s3_upload_path") is None
    stored = s3_client.get_object(Bucket=bucket, Key="thermo1/20240301_PRJ1_c.raw")["Body"].read()
    assert stored == b"another file"


def test_wrong_credentials_end_as_upload_failed_with_a_clear_reason(pipeline, mongo_db, instance, s3_service):
    config, resources, run = pipeline()
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_d.raw", 1 * MB)
    rid = backed_up(mongo_db, config, resources, instance, "thermo1")
    before = get_raw_file(mongo_db, rid)
    wrong_secret = "not-the-secret-" + s3_service["S3_SECRET_ACCESS_KEY"][:8]
    wrong = S3Resource(endpoint_url=s3_service["S3_ENDPOINT_URL"], region_name="us-east-1", max_attempts=1,
                       aws_access_key_id="NOSUCHKEY0123456789", aws_secret_access_key=wrong_secret)

    result = run(rid, wrong)
    assert not result.success
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "upload_failed"
    assert "InvalidAccessKeyId" in doc["s3_upload_error"] and "S3_ACCESS_KEY_ID" in doc["s3_upload_error"]
    assert wrong_secret not in doc["s3_upload_error"] and "NOSUCHKEY" not in doc["s3_upload_error"]
    assert doc["status"] == before["status"] and doc["status_details"] == before["status_details"]


def test_unreachable_server_ends_as_upload_failed_and_a_retry_succeeds(pipeline, mongo_db, instance, s3_service):
    config, resources, run = pipeline()
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_e.raw", 1 * MB)
    rid = backed_up(mongo_db, config, resources, instance, "thermo1")
    stopped = S3Resource(endpoint_url=f"http://127.0.0.1:{free_port()}", region_name="us-east-1", max_attempts=1,
                         aws_access_key_id=s3_service["S3_ACCESS_KEY_ID"],
                         aws_secret_access_key=s3_service["S3_SECRET_ACCESS_KEY"])

    assert not run(rid, stopped).success
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "upload_failed" and "could not be reached" in doc["s3_upload_error"]
    assert doc["status"] == "done_not_quanted"

    assert run(rid).success
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "upload_done" and doc["s3_upload_error"] is None


def test_missing_bucket_without_auto_create_names_the_bucket(pipeline, mongo_db, instance, bucket_prefix):
    config, resources, run = pipeline(auto_create_buckets=False)
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_f.raw", 1000)
    rid = backed_up(mongo_db, config, resources, instance, "thermo1")
    assert not run(rid).success
    error = get_raw_file(mongo_db, rid)["s3_upload_error"]
    assert bucket_name(bucket_prefix, "PRJ1") in error and "auto_create_buckets" in error


def test_changed_chunk_size_asks_for_a_new_checksum(pipeline, mongo_db, instance):
    config, resources, run = pipeline()
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_g.raw", 12 * MB)
    rid = backed_up(mongo_db, config, resources, instance, "thermo1")
    _, _, run_with_other_chunks = pipeline(chunk_size_mb=8)
    assert not run_with_other_chunks(rid).success
    error = get_raw_file(mongo_db, rid)["s3_upload_error"]
    assert "chunk size changed" in error and "re-materialize raw_file" in error


def test_sensor_requests_one_upload_per_new_backup_and_remembers_them(pipeline, mongo_db, instance):
    config, resources, _ = pipeline(max_parallel_uploads=3)
    for name in ("20240301_PRJ1_s1.raw", "20240301_PRJ1_s2.raw"):
        write_thermo(config.instrument_folder("thermo1"), name, 1000)
    rids = register(mongo_db, config, "thermo1")
    for rid in rids:
        assert materialize_partition(BACKUP, rid, resources, instance).success
    sensor = build_s3_upload_sensor(config, raw_file_s3_upload, dg.AssetKey("raw_file_backup"))

    first = sensor(dg.build_sensor_context(instance=instance))
    assert sorted(r.partition_key for r in first.run_requests) == sorted(rids)
    again = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert isinstance(again, dg.SkipReason)
    # a re-materialized backup is uploaded again (the upload itself skips identical objects)
    assert materialize_partition(BACKUP, rids[0], resources, instance).success
    third = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert [r.partition_key for r in third.run_requests] == [rids[0]]
