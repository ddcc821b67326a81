"""S3 backup section (`backup.s3`): where raw files are uploaded when `backup.backup_type` is `s3`.

Credentials are never part of the configuration: they come from `S3_ACCESS_KEY_ID` and
`S3_SECRET_ACCESS_KEY` in the environment (or boto3's own chain: AWS_* variables, profile, instance role).
"""

from pydantic import AliasChoices, Field, field_validator

from kraken_core.config.base import Section


class S3Config(Section):
    # None means AWS itself; any S3-compatible store (Ceph RGW, MinIO, ...) is reached through its URL
    endpoint_url: str | None = None
    # `region` is AlphaKraken's name for it (its `backup.s3.region`)
    region_name: str = Field(default="us-east-1", validation_alias=AliasChoices("region_name", "region"))
    # bucket per project: `{bucket_prefix}-{project_id}`, lower-cased, invalid characters replaced by `-`
    bucket_prefix: str = "alphakraken"
    # multipart part size; the local ETag is computed with the same size in the checksum pass
    chunk_size_mb: int = Field(default=500, ge=5, le=5120)
    # create missing buckets (versioning, default encryption, public-access block where supported)
    auto_create_buckets: bool = False
    # the `uploads` concurrency pool: raw files uploaded at the same time
    max_parallel_uploads: int = Field(default=2, ge=1)
    # threads (parts in flight) of one file's multipart upload
    upload_threads: int = Field(default=8, ge=1, le=64)
    # boto3 retry attempts per request
    max_attempts: int = Field(default=5, ge=1, le=20)

    @field_validator("endpoint_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        if value is not None and "@" in value.split("//", 1)[1].split("/", 1)[0]:
            raise ValueError("credentials do not belong in endpoint_url; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY")
        return value
