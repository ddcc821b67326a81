"""Backup of one large raw file: the platform's checksum + verified copy against `cp` + `md5sum` of both.

Baseline (same file, same run): `cp SRC DST && md5sum SRC && md5sum DST`, what a careful person does by hand.
Ours: the two pipeline steps as they run in production: `checksum_raw_file(stage=True)` (reads the instrument
file once, hashing it while staging the copy, and reads the copy back from the disk behind the writer) and
`backup_raw_file` (renames the proven copy, re-reading it only when it lost its read-back mark). That verifying
read is also the blocking check `backup_identical`, so this row is the whole backup with its check. The earlier design re-read the backup once
more for the check; that extra read is measured as a separate row, for comparison. Each variant runs `--repeat`
times alternately; the best time of each is compared.

    .venv/bin/python -m benchmarks.backup_copy [--size-gb 2] [--dir DIR] [--source-dir DIR] [--repeat 2]

`--dir` holds the backup pool (and, by default, the instrument folder). In production the instrument share and
the backup pool are different filesystems; `--source-dir /dev/shm` puts the instrument folder on another
filesystem so that `cp` cannot use an in-filesystem copy shortcut either.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from kraken_core.config.schema import KrakenConfig
from kraken_core.raw_file_backup import RawFileLocation, backup_raw_file, checksum_raw_file, verify_backup

BLOCK = 64 * 1024 * 1024


def make_source(path: Path, size: int) -> None:
    block = os.urandom(BLOCK)
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            n = min(BLOCK, size - written)
            handle.write(block[:n] if n < BLOCK else block)
            written += n


def baseline(src: Path, dst: Path) -> float:
    dst.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(f'cp "{src}" "{dst}" && md5sum "{src}" "{dst}" >/dev/null', shell=True, check=True)
    return time.perf_counter() - started


def ours(config: KrakenConfig, raw: RawFileLocation) -> tuple[float, float]:
    shutil.rmtree(config.locations.backup.path, ignore_errors=True)
    config.locations.backup.path.mkdir()
    started = time.perf_counter()
    info, _ = checksum_raw_file(config, raw, stage=True)
    backup_raw_file(config, raw, info, overwrite=False)
    backup_s = time.perf_counter() - started
    started = time.perf_counter()
    assert verify_backup(config, raw, info) == []
    return backup_s, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--source-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kraken-bench-", dir=args.dir))
    source_root = Path(tempfile.mkdtemp(prefix="kraken-bench-src-", dir=args.source_dir)) if args.source_dir else work
    try:
        instrument = source_root / "instruments" / "bench1"
        instrument.mkdir(parents=True)
        (work / "backup").mkdir()
        (work / "output").mkdir()
        size = int(args.size_gb * 1e9)
        src = instrument / "bench.raw"
        make_source(src, size)
        config = KrakenConfig.model_validate({
            "locations": {"instruments": {"path": str(source_root / "instruments")}, "backup": {"path": str(work / "backup")},
                          "output": {"path": str(work / "output")}},
            "instruments": {"bench1": {"type": "thermo"}},
        })
        raw = RawFileLocation("bench.raw", "bench.raw", "bench1", None, datetime.now(UTC))
        base_times, our_times, check_times = [], [], []
        for _ in range(args.repeat):
            base_times.append(baseline(src, work / "cp-copy.raw"))
            backup_s, check_s = ours(config, raw)
            our_times.append(backup_s)
            check_times.append(check_s)
        b, o, c = min(base_times), min(our_times), min(check_times)
        print(f"file: {size / 1e9:.2f} GB, {os.cpu_count()} cores, best of {args.repeat}; instrument folder on "
              f"{'the same filesystem as' if source_root == work else source_root.parent} the backup pool; "
              f"load average {os.getloadavg()[0]:.1f}")
        print("| variant | seconds | MB/s | ratio to baseline |")
        print("|---|---:|---:|---:|")
        print(f"| baseline: cp + md5sum source + md5sum copy | {b:.2f} | {size / 1e6 / b:.0f} | 1.00 |")
        print(f"| ours: checksum (staged copy) + verified backup, with its check | {o:.2f} | {size / 1e6 / o:.0f} | "
              f"{o / b:.2f} |")
        print(f"| earlier design: + a separate re-read for the check | {o + c:.2f} | {size / 1e6 / (o + c):.0f} | "
              f"{(o + c) / b:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(source_root, ignore_errors=True)


if __name__ == "__main__":
    main()
