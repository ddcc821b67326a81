"""S3 purge verification against the real Ceph RADOS Gateway started by tests/services/ceph.sh.

Raw files are uploaded by the product's own upload code; the remover then proves each object by HEAD (size and
multipart ETag) before it deletes anything, and keeps the instrument files when an object is missing or differs.
"""

import uuid

import boto3
import pytest

from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.remover import Remover
from kraken_core.lifecycle.s3_head import s3_head_object
from kraken_core.lifecycle.verification import S3BackupVerifier
from kraken_core.record.raw_files import update_raw_file
from kraken_core.s3_layout import bucket_name, object_key
from kraken_core.s3_store import S3ObjectStore
from kraken_core.s3_upload import upload_raw_file
from kraken_core.statuses import BackupStatus
from tests.lifecycle.conftest import PRODUCTION
from tests.support.lifecycle import instrument_copies_left, make_raw_file, unaccounted_files, write_bytes

CHUNK = 5 * 1024 * 1024


@pytest.fixture
def s3_setup(lifecycle_config, services):
    if "S3_ENDPOINT_URL" not in services:
        pytest.fail("the test S3 server is not running: start it with KRAKEN_TEST_SERVICES=\"mongo ceph\" "
                    "tests/services/services.sh start")
    base = lifecycle_config(min_free_space_gb=1)  # more than all test files together
    data = base.model_dump(mode="json")
    data["backup"] = {"backup_type": "s3", "s3": {"endpoint_url": services["S3_ENDPOINT_URL"], "chunk_size_mb": 5,
                                                  "bucket_prefix": f"kl-{uuid.uuid4().hex[:10]}",
                                                  "auto_create_buckets": True}}
    data["lifecycle"] = {"purging_verification_type": "s3"}
    config = KrakenConfig.model_validate(data)
    client = boto3.client("s3", endpoint_url=services["S3_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id=services["S3_ACCESS_KEY_ID"],
                          aws_secret_access_key=services["S3_SECRET_ACCESS_KEY"])
    return config, client, S3ObjectStore(client, chunk_size=CHUNK, threads=2)


def uploaded(config, db, store, name, size, seed):
    raw = make_raw_file(config, db, "thermo1", name, {name: size}, seed=seed, etag_part_size=CHUNK)
    doc = db.raw_file.find_one({"_id": name})
    upload_raw_file(config, store, raw, doc["project_id"], doc["file_info"])
    update_raw_file(db, name, backup_status=BackupStatus.UPLOAD_DONE)
    return raw, bucket_name(config.backup.s3.bucket_prefix, doc["project_id"]), object_key("thermo1", name)


def test_real_s3_objects_are_proven_by_head_before_delete(s3_setup, mongo_db, tmp_path):
    config, client, store = s3_setup
    good, _, _ = uploaded(config, mongo_db, store, "GOOD.raw", 2 * CHUNK + 1000, seed=1)
    gone, bucket, gone_key = uploaded(config, mongo_db, store, "GONE.raw", CHUNK + 10, seed=2)
    other, _, other_key = uploaded(config, mongo_db, store, "OTHER.raw", CHUNK + 10, seed=3)
    client.delete_object(Bucket=bucket, Key=gone_key)
    different = tmp_path / "different"
    write_bytes(different, CHUNK + 10, seed=42)  # same size, other bytes: another ETag
    store.upload(different, bucket, other_key)

    verifier = S3BackupVerifier(s3_head_object(config, store))
    report = Remover(config, mongo_db, PRODUCTION, verifier, free_space=lambda folder: 0).run(["thermo1"])[0]

    actions = {o.raw_file_id: (o.action, o.reason) for o in report.outcomes}
    assert actions["GOOD.raw"][0] == "deleted"
    assert actions["GONE.raw"][0] == "refused" and "S3 object is missing" in actions["GONE.raw"][1]
    assert actions["OTHER.raw"][0] == "refused" and "S3 ETag" in actions["OTHER.raw"][1]
    assert not instrument_copies_left(config, mongo_db, "GOOD.raw")
    for raw in (gone, other):
        assert instrument_copies_left(config, mongo_db, raw.raw_file_id)
    for raw in (good, gone, other):
        assert unaccounted_files(config, mongo_db, raw.raw_file_id) == []


def test_a_single_part_etag_must_be_the_files_md5(s3_setup, mongo_db):
    """A single-part ETag is the object's md5: the recorded ETag matching the object is not enough when the
    object is not the file (here the object was replaced and the record took the new ETag from S3)."""
    config, client, store = s3_setup
    small, _, _ = uploaded(config, mongo_db, store, "SMALL.raw", 1000, seed=4)
    replaced, bucket, key = uploaded(config, mongo_db, store, "REPLACED.raw", 1000, seed=5)
    client.put_object(Bucket=bucket, Key=key, Body=b"r" * 1000)
    etag = client.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    size, md5, _ = mongo_db.raw_file.find_one({"_id": "REPLACED.raw"})["file_info"]["REPLACED.raw"]
    mongo_db.raw_file.update_one({"_id": "REPLACED.raw"}, {"$set": {"file_info": {"REPLACED.raw": [size, md5, etag]}}})

    verifier = S3BackupVerifier(s3_head_object(config, store))
    report = Remover(config, mongo_db, PRODUCTION, verifier, free_space=lambda folder: 0).run(["thermo1"])[0]

    actions = {o.raw_file_id: (o.action, o.reason) for o in report.outcomes}
    assert actions["SMALL.raw"][0] == "deleted", actions
    assert actions["REPLACED.raw"][0] == "refused"
    assert f"S3 ETag {etag} has no -N part count, so it is the object's md5, but the record's md5 of the file is " \
           f"{md5}" in actions["REPLACED.raw"][1]
    assert instrument_copies_left(config, mongo_db, replaced.raw_file_id)
    assert not instrument_copies_left(config, mongo_db, small.raw_file_id)
