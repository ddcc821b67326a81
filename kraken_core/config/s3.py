"""S3 backup section (`backup.s3`)."""

from pydantic import Field

from kraken_core.config.base import Section


class S3Config(Section):
    endpoint_url: str | None = None
    region_name: str = "us-east-1"
    bucket_prefix: str = "alphakraken"
    chunk_size_mb: int = Field(default=500, ge=5, le=5120)
    auto_create_buckets: bool = False
    max_parallel_uploads: int = Field(default=2, ge=1)
