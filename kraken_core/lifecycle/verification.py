"""Proof that a raw file's backup is identical to its record, asked for before any instrument file is deleted.

`pool` re-reads every copy in the backup pool (size and md5); `s3` asks the object store for each object's size
and ETag with a HEAD request and compares them with the ETag recorded at checksum time. The S3 client is passed
in as a function, so the remover does not depend on how the objects are named or reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kraken_core.config.schema import KrakenConfig
from kraken_core.locations import check_location
from kraken_core.raw_file_backup import FileInfo, RawFileLocation, verify_backup
from kraken_core.s3_etag import parse_recorded_etag
from kraken_core.statuses import VERIFIED_BACKUP_STATUSES, BackupStatus


class BackupVerifier(Protocol):
    description: str

    def not_eligible(self, doc: dict[str, Any]) -> str | None:
        """Why this raw file cannot be purged yet (no backup finished), or None."""

    def problems(self, doc: dict[str, Any], raw: RawFileLocation, file_info: FileInfo) -> list[str]:
        """Every difference between the backup and the record; an empty list proves the backup identical."""


class PoolBackupVerifier:
    description = "size and md5 of every copy in the backup pool"

    def __init__(self, config: KrakenConfig):
        self.config = config

    def not_eligible(self, doc: dict[str, Any]) -> str | None:
        if doc.get("backup_status") not in VERIFIED_BACKUP_STATUSES:
            return f"no verified backup-pool copy yet (backup_status={doc.get('backup_status')!r})"
        return None

    def problems(self, doc: dict[str, Any], raw: RawFileLocation, file_info: FileInfo) -> list[str]:
        health = check_location(self.config.locations.backup, "backup")
        if not health.ok:
            return [health.details]
        return [f"backup copy {p.target}: {p.problem}" for p in verify_backup(self.config, raw, file_info)]


@dataclass(frozen=True)
class ObjectHead:
    size: int
    etag: str


HeadObject = Callable[[dict[str, Any], str], ObjectHead | None]
"""`(raw file document, relative path) -> the object's size and ETag`, or None when there is no such object."""


class S3BackupVerifier:
    description = "size and ETag of every S3 object (HEAD)"

    def __init__(self, head_object: HeadObject):
        self.head_object = head_object

    def not_eligible(self, doc: dict[str, Any]) -> str | None:
        if doc.get("backup_status") != str(BackupStatus.UPLOAD_DONE):
            return f"S3 upload not done (backup_status={doc.get('backup_status')!r})"
        return None

    def problems(self, doc: dict[str, Any], raw: RawFileLocation, file_info: FileInfo) -> list[str]:
        problems = []
        for rel, (size, md5, *rest) in sorted(file_info.items()):
            etag = parse_recorded_etag(rest[0]).etag if rest and rest[0] else None
            if not etag:
                problems.append(f"{rel}: the record has no S3 ETag to compare with")
                continue
            try:
                head = self.head_object(doc, rel)
            except Exception as err:
                problems.append(f"{rel}: HEAD of its S3 object failed: {err}")
                continue
            if head is None:
                problems.append(f"{rel}: S3 object is missing")
            elif head.size != size:
                problems.append(f"{rel}: S3 object is {head.size} bytes, the record says {size}")
            elif head.etag.strip('"') != etag:
                problems.append(f"{rel}: S3 ETag {head.etag.strip(chr(34))} != recorded {etag}")
            elif parse_recorded_etag(etag).parts == 1 and etag != md5:
                # a single-part ETag is the object's md5: it must be the file's, not only the recorded ETag
                problems.append(f"{rel}: S3 ETag {etag} has no -N part count, so it is the object's md5, but the "
                                f"record's md5 of the file is {md5}; the upload does not prove this file (a bucket "
                                f"with SSE-KMS or SSE-C encryption gives ETags that are not md5s: verify against "
                                f"the pool instead)")
        return problems
