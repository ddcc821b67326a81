"""Bucket names, object keys and the upload decision: plain rules, no server needed."""

import hashlib

import pytest

from kraken_core.checksum import MultipartEtag
from kraken_core.s3_layout import BucketNameError, bucket_name, object_key
from kraken_core.s3_store import RemoteObject
from kraken_core.s3_upload import (
    S3ObjectConflictError,
    S3UploadError,
    expected_parts,
    needs_upload,
    recorded_etag,
    verify_uploaded,
)
from kraken_core.safe_paths import UnsafePathError


@pytest.mark.parametrize(
    ("prefix", "project", "expected"),
    [
        ("alphakraken", "PRJ1", "alphakraken-prj1"),
        ("MannLabs_Raw", "HeLa QC", "mannlabs-raw-hela-qc"),
        ("alphakraken", "_FALLBACK", "alphakraken--fallback"),
        ("lab.store", "a..b", "lab.store-a.b"),
        ("kraken", "Projekt#7/ü", "kraken-projekt-7"),
    ],
)
def test_bucket_name_is_lower_case_with_invalid_characters_replaced(prefix, project, expected):
    assert bucket_name(prefix, project) == expected


def test_bucket_name_longer_than_63_characters_is_a_clear_error():
    assert len(bucket_name("p" * 30, "q" * 32)) == 63
    with pytest.raises(BucketNameError, match=r"64 characters.*at most 63.*shorten backup.s3.bucket_prefix"):
        bucket_name("p" * 30, "q" * 33)


def test_object_key_is_instrument_then_path_inside_the_raw_file():
    assert object_key("tims1", "X.d/analysis.tdf_bin") == "tims1/X.d/analysis.tdf_bin"
    for bad in ("../etc/passwd", "/abs.raw", "X.d/../../y", ""):
        with pytest.raises(UnsafePathError):
            object_key("tims1", bad)
    with pytest.raises(UnsafePathError):
        object_key("../tims1", "a.raw")


def _etag(data: bytes, part: int) -> str:
    etag = MultipartEtag(part)
    etag.update(data)
    return etag.hexdigest()


def test_recorded_etag_must_match_the_configured_chunk_size():
    data = b"x" * 25
    assert recorded_etag("r", "a.raw", [25, hashlib.md5(data).hexdigest(), _etag(data, 10)], 10).endswith("-3")
    with pytest.raises(S3UploadError, match="chunk size changed"):
        recorded_etag("r", "a.raw", [25, "md5", _etag(data, 10)], 5)
    with pytest.raises(S3UploadError, match="has no S3 ETag.*re-materialize raw_file"):
        recorded_etag("r", "a.raw", [25, "md5"], 10)
    # a file of exactly one chunk is a single PUT: plain md5, one part
    assert expected_parts(10, 10) == 1 and _etag(b"y" * 10, 10) == hashlib.md5(b"y" * 10).hexdigest()


def test_upload_decision_absent_uploads_identical_skips_different_fails():
    assert needs_upload(None, 10, "abc-2", "s3://b/k") is True
    assert needs_upload(RemoteObject(10, "abc-2"), 10, "abc-2", "s3://b/k") is False
    with pytest.raises(S3ObjectConflictError, match="s3://b/k.*not overwritten"):
        needs_upload(RemoteObject(10, "def-2"), 10, "abc-2", "s3://b/k")
    with pytest.raises(S3ObjectConflictError):
        needs_upload(RemoteObject(11, "abc-2"), 10, "abc-2", "s3://b/k")


def test_verification_after_upload_compares_size_and_etag():
    verify_uploaded(RemoteObject(10, "abc-2"), 10, "abc-2", "s3://b/k")
    with pytest.raises(S3UploadError, match="missing right after its upload"):
        verify_uploaded(None, 10, "abc-2", "s3://b/k")
    with pytest.raises(S3UploadError, match="not identical"):
        verify_uploaded(RemoteObject(10, "abc-3"), 10, "abc-2", "s3://b/k")
