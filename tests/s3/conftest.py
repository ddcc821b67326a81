"""The real Ceph RADOS Gateway started by tests/services/ceph.sh, and S3 configurations that use it."""

from __future__ import annotations

import uuid

import boto3
import pytest
from dagster_aws.s3 import S3Resource

from tests.conftest import config_dict

CHUNK_MB = 5


@pytest.fixture(scope="session")
def s3_service(services) -> dict[str, str]:
    if "S3_ENDPOINT_URL" not in services:
        pytest.fail("the test S3 server is not running: start it with KRAKEN_TEST_SERVICES=\"mongo ceph\" "
                    "tests/services/services.sh start")
    return services


@pytest.fixture(scope="session")
def s3_client(s3_service):
    return boto3.client(
        "s3", endpoint_url=s3_service["S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id=s3_service["S3_ACCESS_KEY_ID"], aws_secret_access_key=s3_service["S3_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def s3_resource(s3_service) -> S3Resource:
    return S3Resource(
        endpoint_url=s3_service["S3_ENDPOINT_URL"], region_name="us-east-1", max_attempts=2,
        aws_access_key_id=s3_service["S3_ACCESS_KEY_ID"], aws_secret_access_key=s3_service["S3_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def bucket_prefix() -> str:
    """A prefix of its own per test, so every test starts without buckets."""
    return f"kt-{uuid.uuid4().hex[:10]}"


def s3_config_dict(mounts, endpoint_url: str, bucket_prefix: str, **s3) -> dict:
    data = config_dict(mounts)
    data["backup"] = {
        "backup_type": "s3",
        "progress_log_interval_s": 0.2,
        "s3": {"endpoint_url": endpoint_url, "bucket_prefix": bucket_prefix, "chunk_size_mb": CHUNK_MB,
               "auto_create_buckets": True, **s3},
    }
    return data
