"""S3 for raw-file uploads: dagster-aws's `S3Resource` (built in kraken_assets/resources.py from `backup.s3`,
credentials through `EnvVar` only when set) turned into the bucket operations the upload needs."""

from __future__ import annotations

from typing import ClassVar

from dagster_aws.s3 import S3Resource

from kraken_core.config.s3 import S3Config
from kraken_core.s3_store import S3ObjectStore
from kraken_resources.hidden_secrets import HidesSecrets


class KrakenS3Resource(HidesSecrets, S3Resource):
    """dagster-aws's `S3Resource`, its secret key and session token hidden from repr() and str()."""

    secret_fields: ClassVar[frozenset[str]] = frozenset({"aws_secret_access_key", "aws_session_token"})


def object_store(resource: S3Resource, s3: S3Config) -> S3ObjectStore:
    """The bucket operations of the upload, with the part size the local ETag was computed with."""
    return S3ObjectStore(resource.get_client(), chunk_size=s3.chunk_size_mb * 1024 * 1024, threads=s3.upload_threads)
