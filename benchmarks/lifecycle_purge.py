"""Purge of old raw files: the remover (verify every instrument file and backup copy, then delete) against
`md5sum` of both copies and `rm`, what a careful person does by hand.

Both read every instrument file and every backup copy once; the ratio shows what the remover's bookkeeping (the
record, the file walk, the stat re-check before each unlink, the log entries) costs on top. The remover runs in
production mode against the test MongoDB server; each variant runs `--repeat` times alternately, best time
compared.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-life .venv/bin/python benchmarks/lifecycle_purge.py [--files 4] [--size-mb 256]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.mode import LifecycleMode
from kraken_core.lifecycle.remover import Remover
from kraken_core.lifecycle.verification import PoolBackupVerifier
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_raw_file, checksum_raw_file
from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.statuses import BackupStatus, RawFileStatus
from benchmarks.support import service_env  # noqa: E402

BLOCK = 16 * 1024 * 1024
PRODUCTION = LifecycleMode(True, "benchmark")


def write_file(path: Path, size: int) -> None:
    block = os.urandom(BLOCK)
    with open(path, "wb") as handle:
        for offset in range(0, size, BLOCK):
            handle.write(block[: min(BLOCK, size - offset)])


def prepare(config: KrakenConfig, db, names: list[str], size: int) -> list[tuple[Path, Path]]:
    """Instrument files, verified backups and records, as the pipeline leaves them (not timed)."""
    db.raw_file.delete_many({})
    shutil.rmtree(config.locations.backup.path, ignore_errors=True)
    config.locations.backup.path.mkdir()
    folder = config.instrument_folder("bench1")
    pairs = []
    for i, name in enumerate(names):
        if not (folder / name).exists():
            write_file(folder / name, size)
        created = datetime.now(UTC) - timedelta(days=30 + i)
        register_raw_file(db, raw_file_id=name, original_name=name, collision_flag=None, instrument_id="bench1",
                          project_id="BENCH", status=RawFileStatus.DONE_NOT_QUANTED, created_at=created)
        raw = RawFileLocation(name, name, "bench1", None, created)
        info, total = checksum_raw_file(config, raw)
        backup_raw_file(config, raw, info, overwrite=False)
        update_raw_file(db, name, size=total, file_info=info, backup_status=BackupStatus.COPYING_DONE)
        pairs.append((folder / name, backup_base_path(config, raw) / name))
    return pairs


def baseline(pairs: list[tuple[Path, Path]]) -> float:
    started = time.perf_counter()
    for source, backup in pairs:
        subprocess.run(f"md5sum {shlex.quote(str(source))} {shlex.quote(str(backup))} >/dev/null && "
                       f"rm {shlex.quote(str(source))}", shell=True, check=True)
    return time.perf_counter() - started


def ours(config: KrakenConfig, db, expected: int) -> float:
    started = time.perf_counter()
    [report] = Remover(config, db, PRODUCTION, PoolBackupVerifier(config), free_space=lambda folder: 0).run(["bench1"])
    seconds = time.perf_counter() - started
    assert report.count("deleted") == expected, report.outcomes
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    services = service_env()
    client = pymongo.MongoClient(services.get("MONGO_HOST", "127.0.0.1"), int(services["MONGO_PORT"]), tz_aware=True)
    db_name = f"bench_life_{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="kraken-bench-", dir=args.dir))
    try:
        for sub in ("instruments/bench1", "backup", "output"):
            (work / sub).mkdir(parents=True)
        config = KrakenConfig.model_validate({
            "locations": {"instruments": {"path": str(work / "instruments")}, "backup": {"path": str(work / "backup")},
                          "output": {"path": str(work / "output")}},
            "instruments": {"bench1": {"type": "thermo", "lifecycle": {"min_free_space_gb": 10**6,
                                                                      "min_file_age_days": 1}}},
        })
        db = client[db_name]
        names = [f"bench_{i}.raw" for i in range(args.files)]
        size = args.size_mb * 1024 * 1024
        base_times, our_times = [], []
        for _ in range(args.repeat):
            base_times.append(baseline(prepare(config, db, names, size)))
            prepare(config, db, names, size)
            our_times.append(ours(config, db, len(names)))
        b, o = min(base_times), min(our_times)
        total = args.files * size
        print(f"{args.files} files x {args.size_mb} MiB, {os.cpu_count()} cores, best of {args.repeat}")
        print("| variant | seconds | MB/s of instrument data | ratio to baseline |")
        print("|---|---:|---:|---:|")
        print(f"| baseline: md5sum instrument file + backup copy, rm | {b:.2f} | {total / 1e6 / b:.0f} | 1.00 |")
        print(f"| ours: Remover (verify both against the record, delete, record) | {o:.2f} | "
              f"{total / 1e6 / o:.0f} | {o / b:.2f} |")
    finally:
        client.drop_database(db_name)
        client.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
