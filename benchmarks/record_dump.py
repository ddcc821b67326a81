"""Dump and restore of the MongoDB record against the plain pymongo work they cannot avoid.

Seeds `--raw-files` raw_file documents (production-shaped: file_info, dates, nested fields) and one metrics
document each on the test MongoDB server, then compares, best of `--repeat`:
- dump: `dump_record` (raw BSON to files, temporary folder renamed, manifest) against reading every document
  of every collection with `find()` (decoded, nothing written);
- restore: `restore_record` into an empty database (raw BSON read back, batched inserts, counts checked,
  indexes) against `insert_many` of the same documents already in memory.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-deploy .venv/bin/python benchmarks/record_dump.py [--raw-files 20000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kraken_core.record.dump import dump_record, restore_record  # noqa: E402
from benchmarks.support import service_env  # noqa: E402


def seed(db, count: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    db.raw_file.insert_many([
        {"_id": f"2024_PRJ{i % 5}_sample_{i:06d}.raw", "original_name": f"2024_PRJ{i % 5}_sample_{i:06d}.raw",
         "instrument_id": f"inst{i % 4}", "project_id": f"PRJ{i % 5}", "status": "done", "backup_status": "copying_done",
         "size": 2_000_000_000 + i, "file_info": {f"sample_{i:06d}.raw": [2_000_000_000 + i, f"{i:032x}"]},
         "created_at": start + timedelta(minutes=i), "updated_at_": start + timedelta(minutes=i, seconds=30)}
        for i in range(count)
    ])
    db.metrics.insert_many([
        {"raw_file": f"2024_PRJ{i % 5}_sample_{i:06d}.raw", "created_at_": start + timedelta(minutes=i),
         **{f"metric_{m}": float(i * m) for m in range(30)}}
        for i in range(count)
    ])


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw-files", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    services = service_env()
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
    source_name, target_name = f"bench_src_{uuid.uuid4().hex[:6]}", f"bench_dst_{uuid.uuid4().hex[:6]}"
    work = Path(tempfile.mkdtemp(prefix="record_dump_"))
    try:
        source = client[source_name]
        seed(source, args.raw_files)
        documents = {name: list(source[name].find()) for name in source.list_collection_names()}

        read_all = best(lambda: [list(source[n].find()) for n in source.list_collection_names()], args.repeat)
        dump = best(lambda: dump_record(source, work / "dump"), args.repeat)

        def baseline_insert():
            client.drop_database(target_name)
            for name, docs in documents.items():
                client[target_name][name].insert_many(docs)

        def restore():
            client.drop_database(target_name)
            restore_record(client[target_name], work / "dump")

        insert = best(baseline_insert, args.repeat)
        restored = best(restore, args.repeat)
        total = sum(len(d) for d in documents.values())
        print(f"{total} documents")
        print("| step | ours s | baseline s | ratio |\n|---|---|---|---|")
        print(f"| dump vs find() of everything | {dump:.2f} | {read_all:.2f} | {dump / read_all:.2f} |")
        print(f"| restore vs insert_many | {restored:.2f} | {insert:.2f} | {restored / insert:.2f} |")
    finally:
        client.drop_database(source_name)
        client.drop_database(target_name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
