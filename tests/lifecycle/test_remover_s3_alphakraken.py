"""Raw files uploaded by AlphaKraken, proven by the remover against the real Ceph RADOS Gateway: their
`file_info` ETags carry AlphaKraken's `__<part MB>` suffix and their objects use its key layout (`s3_upload_path`
`s3://{bucket}` for project files, `s3://{bucket}/{instrument}/{YYYY_MM}/` for files without a project)."""

import pytest

from kraken_core.lifecycle.remover import Remover
from kraken_core.lifecycle.s3_head import s3_head_object
from kraken_core.lifecycle.verification import S3BackupVerifier
from kraken_core.raw_file_backup import backup_base_path
from kraken_core.record.raw_files import update_raw_file
from kraken_core.s3_etag import parse_recorded_etag
from kraken_core.s3_layout import alphakraken_location
from kraken_core.s3_upload import S3UploadError, recorded_etag
from kraken_core.statuses import BackupStatus
from tests.lifecycle.conftest import PRODUCTION
from tests.lifecycle.test_remover_s3 import CHUNK, s3_setup  # noqa: F401  (fixture)
from tests.support.lifecycle import instrument_copies_left, make_raw_file


def uploaded_by_alphakraken(config, db, store, client, name, size, seed, *, key_prefix=""):
    """What AlphaKraken leaves: objects at `{key_prefix}{file_info path}` and `etag__5` in file_info."""
    raw = make_raw_file(config, db, "thermo1", name, {name: size}, seed=seed, etag_part_size=CHUNK)
    doc = db.raw_file.find_one({"_id": name})
    bucket = f"{config.backup.s3.bucket_prefix}-ak-{doc['project_id'].lower()}"
    if not store.bucket_exists(bucket):
        client.create_bucket(Bucket=bucket)
    file_info = {}
    for rel, (entry_size, md5, etag) in doc["file_info"].items():
        store.upload(backup_base_path(config, raw) / rel, bucket, f"{key_prefix}{rel}")
        file_info[rel] = [entry_size, md5, f"{etag}__5"]
    upload_path = f"s3://{bucket}/{key_prefix}" if key_prefix else f"s3://{bucket}"
    update_raw_file(db, name, file_info=file_info, backup_status=BackupStatus.UPLOAD_DONE, s3_upload_path=upload_path)
    return bucket


def test_alphakraken_uploads_are_proven_and_a_missing_one_refused(s3_setup, mongo_db):  # noqa: F811
    config, client, store = s3_setup
    uploaded_by_alphakraken(config, mongo_db, store, client, "AK_PROJECT.raw", 2 * CHUNK + 7, seed=1)
    uploaded_by_alphakraken(config, mongo_db, store, client, "AK_FALLBACK.raw", CHUNK + 3, seed=2,
                            key_prefix="thermo1/2026_10/")
    bucket = uploaded_by_alphakraken(config, mongo_db, store, client, "AK_GONE.raw", CHUNK + 5, seed=3)
    client.delete_object(Bucket=bucket, Key="AK_GONE.raw")

    verifier = S3BackupVerifier(s3_head_object(config, store))
    report = Remover(config, mongo_db, PRODUCTION, verifier, free_space=lambda folder: 0).run(["thermo1"])[0]

    actions = {o.raw_file_id: (o.action, o.reason) for o in report.outcomes}
    assert actions["AK_PROJECT.raw"][0] == "deleted", actions
    assert actions["AK_FALLBACK.raw"][0] == "deleted", actions
    assert actions["AK_GONE.raw"][0] == "refused" and "S3 object is missing" in actions["AK_GONE.raw"][1]
    assert not instrument_copies_left(config, mongo_db, "AK_PROJECT.raw")
    assert instrument_copies_left(config, mongo_db, "AK_GONE.raw")


def test_recorded_etag_with_part_size_suffix():
    assert parse_recorded_etag("0123456789abcdef0123456789abcdef-3__100").etag == "0123456789abcdef0123456789abcdef-3"
    assert parse_recorded_etag("0123456789abcdef0123456789abcdef-3__100").part_size_mb == 100
    assert parse_recorded_etag("0123456789abcdef0123456789abcdef").parts == 1
    etag = "0123456789abcdef0123456789abcdef-3"
    assert recorded_etag("x.raw", "x.raw", [250 * 2**20, "md5", f"{etag}__100"], 100 * 2**20) == etag
    with pytest.raises(S3UploadError, match="100 MB parts but backup.s3.chunk_size_mb is 5"):
        recorded_etag("x.raw", "x.raw", [250 * 2**20, "md5", f"{etag}__100"], 5 * 2**20)


def test_alphakraken_upload_paths_are_told_from_ours():
    assert alphakraken_location("s3://lab-prj1") == ("lab-prj1", "")
    assert alphakraken_location("s3://lab-fallback/astral1/2024_07/") == ("lab-fallback", "astral1/2024_07/")
    assert alphakraken_location("s3://lab-prj1/astral1/x.raw") is None
    assert alphakraken_location(None) is None
