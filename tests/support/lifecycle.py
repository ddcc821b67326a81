"""Raw files for lifecycle tests, made by the product's own steps: write, register, checksum, back up."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
from pymongo.database import Database

from kraken_core.checksum import file_digest
from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.instrument_copies import current_locators
from kraken_core.lifecycle.paths import acquisition_path, deleteme_path, moved_path
from kraken_core.lifecycle.verification import ObjectHead
from kraken_core.raw_file_backup import (
    RawFileLocation,
    backup_base_path,
    backup_raw_file,
    backup_relpath,
    checksum_raw_file,
)
from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.statuses import BackupStatus, RawFileStatus
from kraken_resources import KrakenConfigResource, MongoResource

ETAG_PART = 1024 * 1024


class FixedConfig(KrakenConfigResource):
    """The configuration of one test, handed to the assets as the real resource type."""

    config_json: str

    def get(self) -> KrakenConfig:
        return KrakenConfig.model_validate_json(self.config_json)


def resources(config: KrakenConfig, mongo_db: Database, services: dict[str, str], env: str | None = None) -> dict:
    """The lifecycle assets' resources: this test's configuration and its own database, in the environment the
    test names (by default the `ENV` the test set, as a deployment's code location reads it at start-up)."""
    return {
        "kraken_config": FixedConfig(env=env or os.environ.get("ENV", "test"), config_json=config.model_dump_json()),
        "mongo": MongoResource(host=services["MONGO_HOST"], port=int(services["MONGO_PORT"]), database=mongo_db.name),
    }


def metadata_of(result: dg.ExecuteInProcessResult, asset: dg.AssetsDefinition) -> dict:
    [event] = result.asset_materializations_for_node(asset.key.path[-1])
    return {key: value.value for key, value in event.metadata.items()}


def write_bytes(path: Path, size: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = (seed.to_bytes(4, "big") * 256)[:1024]
    with open(path, "wb") as handle:
        full, rest = divmod(size, len(block))
        for _ in range(full):
            handle.write(block)
        handle.write(block[:rest])


def make_raw_file(
    config: KrakenConfig,
    db: Database,
    instrument_id: str,
    name: str,
    files: dict[str, int],
    *,
    age_days: float = 30,
    seed: int = 1,
    backup: bool = True,
    etag_part_size: int | None = None,
    collision_flag: str | None = None,
) -> RawFileLocation:
    """Write `files` ({path relative to the instrument folder: size}), record the raw file, checksum and back up."""
    folder = config.instrument_folder(instrument_id)
    for i, (rel, size) in enumerate(sorted(files.items())):
        write_bytes(folder / rel, size, seed * 1000 + i)
    created = datetime.now(UTC) - timedelta(days=age_days)
    raw_file_id = f"{collision_flag or ''}{name}"
    register_raw_file(db, raw_file_id=raw_file_id, original_name=name, collision_flag=collision_flag,
                      instrument_id=instrument_id, project_id="PRJ1", status=RawFileStatus.MONITORING_DONE,
                      created_at=created)
    raw = RawFileLocation(raw_file_id, name, instrument_id, collision_flag, created)
    file_info, total = checksum_raw_file(config, raw, etag_part_size=etag_part_size)
    update_raw_file(db, raw_file_id, size=total, file_info=file_info, status=RawFileStatus.CHECKSUMMING_DONE)
    if backup:
        backup_raw_file(config, raw, file_info, overwrite=False)
        update_raw_file(db, raw_file_id, status=RawFileStatus.DONE_NOT_QUANTED, backup_status=BackupStatus.COPYING_DONE,
                        backup_base_path=str(backup_base_path(config, raw)))
    return raw


def backup_copy(config: KrakenConfig, raw: RawFileLocation, rel: str) -> Path:
    return backup_base_path(config, raw) / backup_relpath(raw, rel)


def flip_byte(path: Path, offset: int = 0) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def _matches(path: Path, size: int, md5: str) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    digest = file_digest(path)
    return (digest.size, digest.md5) == (size, md5)


def unaccounted_files(config: KrakenConfig, db: Database, raw_file_id: str) -> list[str]:
    """Files of the raw file with no copy anywhere that matches the record's size and md5 (must stay empty).

    Looks at every place a copy can be: acquisition folder, instrument `Backup/`, `.deleteme`, the backup pool.
    """
    doc = db.raw_file.find_one({"_id": raw_file_id})
    raw = RawFileLocation.from_doc(doc)
    lost = []
    for rel, (size, md5, *_) in doc["file_info"].items():
        places = [acquisition_path, moved_path, deleteme_path]
        candidates = [place(config, raw, rel) for place in places] + [backup_copy(config, raw, rel)]
        if not any(_matches(p, size, md5) for p in candidates):
            lost.append(rel)
    return lost


def instrument_copies_left(config: KrakenConfig, db: Database, raw_file_id: str) -> list[Path]:
    doc = db.raw_file.find_one({"_id": raw_file_id})
    raw = RawFileLocation.from_doc(doc)
    return [locate(config, raw, rel) for locate in current_locators(doc) for rel in doc["file_info"]
            if os.path.lexists(locate(config, raw, rel))]


@dataclass
class FakeObjectStore:
    """Objects as an S3 HEAD would describe them, keyed by (raw file id, relative path).

    Stands in for the S3 client behind the verifier's `head_object` function; the ETags are computed from the
    real bytes with the product's multipart ETag code.
    """

    objects: dict[tuple[str, str], ObjectHead]

    @classmethod
    def uploaded(cls, config: KrakenConfig, db: Database, raw: RawFileLocation) -> FakeObjectStore:
        doc = db.raw_file.find_one({"_id": raw.raw_file_id})
        objects = {}
        for rel in doc["file_info"]:
            digest = file_digest(backup_copy(config, raw, rel), etag_part_size=ETAG_PART)
            objects[(raw.raw_file_id, rel)] = ObjectHead(digest.size, f'"{digest.etag}"')
        return cls(objects)

    def head_object(self, doc: dict, rel: str) -> ObjectHead | None:
        return self.objects.get((doc["_id"], rel))


def mount_tmpfs(folder: Path, size_bytes: int) -> bool:
    """Mount a size-limited tmpfs on `folder`; False when mounting is not permitted here."""
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
                            capture_output=True)
    return result.returncode == 0


def unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True)


class FolderCapacityProbe:
    """Free space of a folder treated as a disk of `capacity` bytes (for hosts where tmpfs cannot be mounted)."""

    def __init__(self, capacity: int):
        self.capacity = capacity

    def __call__(self, folder: Path) -> int:
        used = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
        return max(0, self.capacity - used)
