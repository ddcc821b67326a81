"""The S3 side of purge verification: HEAD of the object a raw file's file was uploaded to.

Bucket and key follow the upload's layout (`kraken_core.s3_layout`): bucket `{bucket_prefix}-{project_id}`,
key `{instrument_id}/{collision prefix}{relative path}`; for a raw file uploaded by AlphaKraken, the bucket and
key prefix of its `s3_upload_path` and the `file_info` path.
"""

from __future__ import annotations

from typing import Any

from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.verification import HeadObject, ObjectHead
from kraken_core.raw_file_backup import RawFileLocation, backup_relpath
from kraken_core.s3_layout import alphakraken_location, alphakraken_object_key, bucket_name, object_key
from kraken_core.s3_store import S3ObjectStore


def s3_head_object(config: KrakenConfig, store: S3ObjectStore) -> HeadObject:
    def head(doc: dict[str, Any], rel: str) -> ObjectHead | None:
        alphakraken = alphakraken_location(doc.get("s3_upload_path"))
        if alphakraken is not None:
            bucket, prefix = alphakraken
            found = store.head(bucket, alphakraken_object_key(prefix, rel))
        else:
            raw = RawFileLocation.from_doc(doc)
            bucket = bucket_name(config.backup.s3.bucket_prefix, doc["project_id"])
            found = store.head(bucket, object_key(raw.instrument_id, backup_relpath(raw, rel)))
        return None if found is None else ObjectHead(found.size, found.etag)

    return head
