"""Where a raw file lives in S3: bucket `{bucket_prefix}-{project_id}`, key `{instrument_id}/{relative path}`.

Raw files uploaded by AlphaKraken use its layout instead, recorded in `s3_upload_path`: `s3://{bucket}` or
`s3://{bucket}/{key prefix}/` (a prefix `{instrument_id}/{YYYY_MM}/` for files without a project, `{raw file
id}/` for Sciex), with every file at `{key prefix}{file_info path}`. This platform records the URL of the main
file's object instead (`s3://{bucket}/{instrument_id}/{name}`), which never ends in `/`.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from kraken_core.safe_paths import UnsafePathError, check_plain_name

_INVALID_BUCKET_CHARS = re.compile(r"[^a-z0-9.-]+")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
MAX_BUCKET_NAME = 63


class BucketNameError(ValueError):
    """The bucket prefix and project id do not make a valid S3 bucket name."""


def bucket_name(bucket_prefix: str, project_id: str) -> str:
    """`{bucket_prefix}-{project_id}`, lower-cased, with characters S3 does not allow replaced by `-`."""
    name = _INVALID_BUCKET_CHARS.sub("-", f"{bucket_prefix}-{project_id}".lower())
    name = re.sub(r"\.{2,}", ".", name).strip(".-")
    where = f"bucket name {name!r} (from backup.s3.bucket_prefix {bucket_prefix!r} and project id {project_id!r})"
    if len(name) > MAX_BUCKET_NAME:
        raise BucketNameError(
            f"{where} is {len(name)} characters, S3 allows at most {MAX_BUCKET_NAME}; "
            f"shorten backup.s3.bucket_prefix or the project id"
        )
    if len(name) < 3 or _IP_ADDRESS.match(name):
        raise BucketNameError(f"{where} is not a valid S3 bucket name; change backup.s3.bucket_prefix")
    return name


def object_key(instrument_id: str, relpath: str) -> str:
    """`{instrument_id}/{relpath}`; the relative path must stay below the instrument (no `..`, no leading `/`)."""
    check_plain_name(instrument_id, "instrument id")
    path = PurePosixPath(relpath)
    if not relpath or path.is_absolute() or any(part in {"..", "."} for part in path.parts) or "\x00" in relpath:
        raise UnsafePathError(f"refusing S3 key for {relpath!r}: it must be a relative path inside the raw file")
    return f"{instrument_id}/{path.as_posix()}"


def s3_url(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/rest` -> (bucket, rest); rest may be empty."""
    if not url.startswith("s3://"):
        raise ValueError(f"{url!r} is not an s3:// URL")
    bucket, _, rest = url[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"{url!r} names no bucket")
    return bucket, rest


def alphakraken_location(s3_upload_path: str | None) -> tuple[str, str] | None:
    """(bucket, key prefix) when `s3_upload_path` is in AlphaKraken's form (bucket, or bucket and a prefix ending
    in `/`), else None (this platform's layout, or nothing recorded)."""
    if not s3_upload_path:
        return None
    bucket, rest = split_s3_url(s3_upload_path)
    if rest and not rest.endswith("/"):
        return None
    return bucket, rest


def alphakraken_object_key(key_prefix: str, relpath: str) -> str:
    """`{key prefix}{relpath}`, the relative path checked like `object_key`'s."""
    path = PurePosixPath(relpath)
    if not relpath or path.is_absolute() or any(part in {"..", "."} for part in path.parts) or "\x00" in relpath:
        raise UnsafePathError(f"refusing S3 key for {relpath!r}: it must be a relative path inside the raw file")
    return f"{key_prefix}{path.as_posix()}"
