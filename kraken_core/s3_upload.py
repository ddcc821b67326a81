"""Upload a raw file's files to S3, verified by size and multipart ETag; never overwrite.

The source is the verified copy in the backup pool (it stays when instrument files are moved or purged).

For each file: HEAD the object. Absent → upload; same size and ETag → skip (already there); different →
fail without touching it. After an upload, HEAD again: size and ETag must equal the ones computed locally
in the checksum pass (`file_info[rel] = [size, md5, etag]`), or the upload counts as failed.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kraken_core.config.schema import KrakenConfig
from kraken_core.raw_file_backup import FileInfo, RawFileLocation, backup_base_path, backup_relpath
from kraken_core.s3_etag import parse_recorded_etag
from kraken_core.s3_layout import bucket_name, object_key, s3_url
from kraken_core.s3_store import RemoteObject, S3ObjectStore
from kraken_core.safe_paths import safe_join

ProgressCallback = Callable[[int, int], None]


class S3UploadError(RuntimeError):
    """An upload that did not end in a verified object; the message says which file, why, and what to do."""


class S3ObjectConflictError(S3UploadError):
    """A different object already sits at the key; it is never overwritten."""


@dataclass(frozen=True)
class ObjectResult:
    relpath: str
    key: str
    size: int
    etag: str
    skipped: bool


def etag_parts(etag: str) -> int:
    return parse_recorded_etag(etag).parts


def expected_parts(size: int, chunk_size: int) -> int:
    return max(1, math.ceil(size / chunk_size))


def recorded_etag(raw_file_id: str, relpath: str, entry: list, chunk_size: int) -> str:
    """The ETag the checksum pass recorded, checked to belong to the configured chunk size."""
    if len(entry) < 3 or not entry[2]:
        raise S3UploadError(
            f"raw file {raw_file_id}: file_info of {relpath} has no S3 ETag (it was checksummed while "
            f"backup.backup_type was not s3); re-materialize raw_file, then raw_file_s3"
        )
    size, recorded = entry[0], parse_recorded_etag(entry[2])
    etag = recorded.etag
    if recorded.part_size_mb is not None and recorded.part_size_mb * 1024 * 1024 != chunk_size:
        raise S3UploadError(
            f"raw file {raw_file_id}: the recorded ETag of {relpath} was computed with {recorded.part_size_mb} MB "
            f"parts but backup.s3.chunk_size_mb is {chunk_size // (1024 * 1024)}; set chunk_size_mb to "
            f"{recorded.part_size_mb} (AlphaKraken uploads use 100), or re-materialize raw_file, then raw_file_s3"
        )
    if recorded.parts != expected_parts(size, chunk_size):
        raise S3UploadError(
            f"raw file {raw_file_id}: the recorded ETag of {relpath} has {etag_parts(etag)} part(s) but "
            f"backup.s3.chunk_size_mb makes {expected_parts(size, chunk_size)}; the chunk size changed since the "
            f"checksum: re-materialize raw_file, then raw_file_s3"
        )
    return etag


def needs_upload(remote: RemoteObject | None, size: int, etag: str, url: str) -> bool:
    """True when the object is absent, False when an identical one is there; a different one is an error."""
    if remote is None:
        return True
    if remote.size == size and remote.etag == etag:
        return False
    raise S3ObjectConflictError(
        f"{url} already exists with size {remote.size} and ETag {remote.etag}, but the instrument file has size "
        f"{size} and ETag {etag}; it was not overwritten. Find out which is right; to replace it, delete the "
        f"object (or its bucket version) by hand, then re-materialize raw_file_s3"
    )


def verify_uploaded(remote: RemoteObject | None, size: int, etag: str, url: str) -> None:
    if remote is None:
        raise S3UploadError(f"{url} is missing right after its upload; re-materialize raw_file_s3 to retry")
    if remote.size != size or remote.etag != etag:
        raise S3UploadError(
            f"{url} after upload has size {remote.size} and ETag {remote.etag}, expected size {size} and ETag "
            f"{etag}: the upload is not identical to the instrument file; re-materialize raw_file_s3 to retry "
            f"after deleting the object"
        )


class TransferProgress:
    """Adds up boto3's per-thread byte callbacks into (bytes done, bytes total) for a progress log."""

    def __init__(self, total: int, progress: ProgressCallback | None):
        self.total, self.progress = total, progress
        self.done = 0
        self._lock = threading.Lock()

    def __call__(self, transferred: int) -> None:
        with self._lock:
            self.done += transferred
            done = self.done
        if self.progress is not None:
            self.progress(done, self.total)


def s3_location(config: KrakenConfig, raw: RawFileLocation, project_id: str) -> tuple[str, str]:
    """Bucket and key prefix of a raw file: the object key of its main file."""
    bucket = bucket_name(config.backup.s3.bucket_prefix, project_id)
    return bucket, object_key(raw.instrument_id, backup_relpath(raw, raw.original_name))


def upload_raw_file(
    config: KrakenConfig,
    store: S3ObjectStore,
    raw: RawFileLocation,
    project_id: str,
    file_info: FileInfo,
    *,
    progress: ProgressCallback | None = None,
    on_note: Callable[[str], None] | None = None,
) -> list[ObjectResult]:
    s3 = config.backup.s3
    chunk_size = s3.chunk_size_mb * 1024 * 1024
    if store.chunk_size != chunk_size:
        raise ValueError(f"store chunk size {store.chunk_size} != backup.s3.chunk_size_mb ({chunk_size} bytes)")
    bucket, _ = s3_location(config, raw, project_id)
    backup = backup_base_path(config, raw)
    planned = [
        (rel, safe_join(backup, backup_relpath(raw, rel)), object_key(raw.instrument_id, backup_relpath(raw, rel)),
         entry[0], recorded_etag(raw.raw_file_id, rel, entry, chunk_size))
        for rel, entry in sorted(file_info.items())
    ]
    for _, source, *_ in planned:
        if not source.is_file():
            raise S3UploadError(
                f"raw file {raw.raw_file_id}: backup copy {source} is missing (the upload reads the verified "
                f"backup); re-materialize raw_file_backup, then raw_file_s3"
            )
    if not store.bucket_exists(bucket):
        if not s3.auto_create_buckets:
            raise S3UploadError(
                f"bucket {bucket} for project {project_id} does not exist at {store.endpoint}; create it, or set "
                f"backup.s3.auto_create_buckets: true, then re-materialize raw_file_s3"
            )
        for note in store.create_bucket(bucket, s3.region_name):
            if on_note is not None:
                on_note(note)
    counter = TransferProgress(sum(size for *_, size, _ in planned), progress)
    results = []
    for rel, source, key, size, etag in planned:
        url = s3_url(bucket, key)
        if not needs_upload(store.head(bucket, key), size, etag, url):
            counter(size)
            results.append(ObjectResult(rel, key, size, etag, skipped=True))
            continue
        store.upload(source, bucket, key, on_bytes=counter)
        verify_uploaded(store.head(bucket, key), size, etag, url)
        results.append(ObjectResult(rel, key, size, etag, skipped=False))
    return results
