"""Dump and restore the MongoDB record through pymongo, document by document, in mongodump's file format.

A dump is a folder with `<collection>.bson` (the documents' raw BSON, concatenated: every type survives),
`<collection>.metadata.json` (the indexes) and `manifest.json` (database, time, document counts). It is written
under a temporary name and renamed when complete, so a crash never leaves a half dump that looks whole. On a
replica set every collection is read at one point in time (a snapshot session); on a standalone server each
document is read whole but collections at slightly different times, as with mongodump without --oplog.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import OperationFailure

MANIFEST = "manifest.json"
RAW = CodecOptions(document_class=RawBSONDocument)
INSERT_BATCH = 1000


class RestoreError(RuntimeError):
    """A dump cannot be restored as asked; nothing was changed in the target database."""


@dataclass(frozen=True)
class DumpSummary:
    path: Path
    counts: dict[str, int]
    bytes: int
    point_in_time: bool


def _record_collections(db: Database) -> list[str]:
    return sorted(name for name in db.list_collection_names() if not name.startswith("system."))


def _index_specs(db: Database, name: str) -> list[dict[str, Any]]:
    specs = []
    for index_name, info in db[name].index_information().items():
        if index_name == "_id_":
            continue
        spec = {k: v for k, v in info.items() if k not in ("v", "ns")}
        spec["key"] = dict(info["key"])  # an ordered JSON object, as in mongodump's metadata files
        spec["name"] = index_name
        specs.append(spec)
    return specs


def _snapshot_session(db: Database, collections: list[str]) -> ClientSession | None:
    """A snapshot session if the server supports one (replica sets), else None."""
    session = db.client.start_session(snapshot=True)
    try:
        if collections:
            db.get_collection(collections[0], codec_options=RAW).find_one({}, session=session)
        return session
    except OperationFailure:
        session.end_session()
        return None


def _write_collections(db: Database, folder: Path, collections: list[str], session: ClientSession | None):
    counts: dict[str, int] = {}
    total = 0
    for name in collections:
        count = 0
        with open(folder / f"{name}.bson", "wb") as out:
            for doc in db.get_collection(name, codec_options=RAW).find({}, session=session).sort("_id", 1):
                out.write(doc.raw)
                total += len(doc.raw)
                count += 1
        counts[name] = count
        metadata = {"collectionName": name, "indexes": _index_specs(db, name)}
        (folder / f"{name}.metadata.json").write_text(json.dumps(metadata, indent=1))
    return counts, total


def dump_record(db: Database, target: Path) -> DumpSummary:
    """Write every collection of `db` to the folder `target`, replacing an older dump there only when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    try:
        collections = _record_collections(db)
        session = _snapshot_session(db, collections)
        try:
            counts, total = _write_collections(db, partial, collections, session)
        except OperationFailure:
            if session is None:
                raise
            # the snapshot aged out during a long dump (SnapshotTooOld): dump again without one
            session.end_session()
            session = None
            counts, total = _write_collections(db, partial, collections, None)
        finally:
            if session is not None:
                session.end_session()
        manifest = {
            "database": db.name,
            "created_at": datetime.now(UTC).isoformat(),
            "point_in_time": session is not None,
            "counts": counts,
            "bytes": total,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
        _replace_folder(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return DumpSummary(target, counts, total, manifest["point_in_time"])


def _replace_folder(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old)


def copy_dump(source: Path, target: Path) -> None:
    """Copy a complete dump folder to another slot, with the same replace-when-complete guarantee."""
    partial = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    shutil.copytree(source, partial)
    _replace_folder(partial, target)


def read_manifest(dump: Path) -> dict[str, Any]:
    path = dump / MANIFEST
    if not path.is_file():
        raise RestoreError(f"{dump} is not a complete record dump: {MANIFEST} is missing")
    return json.loads(path.read_text())


def restore_record(db: Database, dump: Path, drop: bool = False) -> dict[str, int]:
    """Insert every document of the dump into `db` unchanged; with `drop`, replace the collections it holds."""
    manifest = read_manifest(dump)
    counts: dict[str, int] = manifest["counts"]
    for name in counts:
        if not (dump / f"{name}.bson").is_file():
            raise RestoreError(f"{dump}: {name}.bson is missing although the manifest lists it")
    if not drop:
        busy = {name: n for name in counts if (n := db[name].estimated_document_count())}
        if busy:
            listed = ", ".join(f"{name} ({n} documents)" for name, n in busy.items())
            raise RestoreError(
                f"database {db.name} already has documents in {listed}; restore into an empty database "
                f"or pass --drop to replace these collections"
            )
    restored = {}
    for name, expected in counts.items():
        collection = db.get_collection(name, codec_options=RAW)
        if drop:
            collection.drop()
        batch: list[RawBSONDocument] = []
        inserted = 0
        with open(dump / f"{name}.bson", "rb") as source:
            for doc in bson.decode_file_iter(source, codec_options=RAW):
                batch.append(doc)
                if len(batch) >= INSERT_BATCH:
                    collection.insert_many(batch, ordered=True)
                    inserted += len(batch)
                    batch = []
        if batch:
            collection.insert_many(batch, ordered=True)
            inserted += len(batch)
        if inserted != expected:
            raise RestoreError(f"{dump}: {name}.bson holds {inserted} documents, the manifest says {expected}")
        _restore_indexes(db, dump, name)
        restored[name] = inserted
    return restored


def _restore_indexes(db: Database, dump: Path, name: str) -> None:
    metadata_file = dump / f"{name}.metadata.json"
    if not metadata_file.is_file():
        return
    for spec in json.loads(metadata_file.read_text()).get("indexes", []):
        options = {k: v for k, v in spec.items() if k != "key"}
        db[name].create_index(list(spec["key"].items()), **options)
