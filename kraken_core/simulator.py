"""Writes realistic fake acquisitions into instrument folders, for `make demo` and for tests.

Each instrument acquires one sample after another: the raw file grows in steps, and the next one starts when
the current one ends. Thermo writes one `.raw` file; Bruker a `.d` folder tree whose `analysis.tdf_bin` grows;
Sciex a `.wiff` with its `.wiff.scan` (first a small placeholder while converting) and `.wiff2`.

Run as `python -m kraken_core.simulator --mounts DIR [--run-dir DIR]` (instruments from the local configuration);
with --run-dir it keeps that folder under --disk-cap-gb (kraken_core/demo/disk_cap.py).
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
from pathlib import Path

from kraken_core.config.schema import Vendor
from kraken_core.demo.disk_cap import DEFAULT_CAP_GB, GB
from kraken_core.numbers import human_size

CHUNK = 256 * 1024


def _append(path: Path, size: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "ab") as handle:
        remaining = size
        while remaining > 0:
            n = min(CHUNK, remaining)
            handle.write(rng.randbytes(n))
            remaining -= n


def write_thermo(folder: Path, name: str, size: int, seed: int = 0) -> list[Path]:
    path = folder / name
    _append(path, size, seed)
    return [path]


def write_bruker(folder: Path, name: str, size: int, seed: int = 0, with_main: bool = True) -> list[Path]:
    root = folder / name
    (root / "chromatography-data.sqlite").parent.mkdir(parents=True, exist_ok=True)
    files = [root / "analysis.tdf", root / "chromatography-data.sqlite", root / "method.m" / "submethods.xml"]
    files[2].parent.mkdir(exist_ok=True)
    for i, path in enumerate(files):
        if not path.exists():
            _append(path, 4096 + i, seed + i)
    if with_main:
        main = root / "analysis.tdf_bin"
        _append(main, size, seed + 100)
        files.append(main)
    return files


def write_sciex(folder: Path, name: str, size: int, seed: int = 0, scan_size: int | None = None) -> list[Path]:
    stem = name[: -len(".wiff")]
    wiff = folder / name
    scan = folder / f"{stem}.wiff.scan"
    wiff2 = folder / f"{stem}.wiff2"
    _append(wiff, max(size // 10, 1), seed)
    scan_bytes = size if scan_size is None else scan_size
    if scan.exists():
        scan.unlink()
    _append(scan, scan_bytes, seed + 1)
    _append(wiff2, 2048, seed + 2)
    return [wiff, scan, wiff2]


SUFFIX = {Vendor.THERMO: ".raw", Vendor.BRUKER: ".d", Vendor.SCIEX: ".wiff"}


def acquire(folder: Path, vendor: Vendor, name: str, total: int, steps: int, step_s: float, seed: int) -> None:
    """Grow one acquisition in `steps` steps of `step_s` seconds, as an instrument does."""
    part = max(total // steps, 1)
    for step in range(steps):
        if vendor is Vendor.THERMO:
            _append(folder / name, part, seed + step)
        elif vendor is Vendor.BRUKER:
            if step == 0:
                write_bruker(folder, name, part, seed=seed)
            else:
                _append(folder / name / "analysis.tdf_bin", part, seed + step)
        else:
            stem = name[: -len(".wiff")]
            if step == 0:
                write_sciex(folder, name, part, seed=seed, scan_size=100)
            elif step == steps - 1:
                os.unlink(folder / f"{stem}.wiff.scan")
                _append(folder / f"{stem}.wiff.scan", total, seed + step)
            else:
                _append(folder / name, part, seed + step)
        time.sleep(step_s)


def run_instrument(folder: Path, vendor: Vendor, instrument_id: str, stop: threading.Event, size_mb: float,
                   step_s: float, idle_s: float = 0.0, may_acquire: threading.Event | None = None) -> None:
    """Acquire one sample after another, `idle_s` apart (washing the column), while `may_acquire` is set."""
    number = 0
    while not stop.is_set():
        if may_acquire is not None and not may_acquire.is_set():
            may_acquire.wait(1)
            continue
        number += 1
        stamp = time.strftime("%Y%m%d_%H%M%S")
        name = f"{stamp}_{instrument_id}_PRJ1_HeLa_{number:03d}{SUFFIX[vendor]}"
        acquire(folder, vendor, name, int(size_mb * 1e6), steps=6, step_s=step_s, seed=number)
        print(f"simulator: {instrument_id} finished {name}", flush=True)
        stop.wait(idle_s)


def keep_under_cap(run_dir: Path, cap_gb: float, instruments: dict[str, tuple[Path, str]], stop: threading.Event,
                   may_acquire: threading.Event, interval_s: float = 10.0) -> None:
    """Every `interval_s`: delete finished, backed-up simulated acquisitions over the cap; pause acquiring while
    what is left is still over it (kraken_core/demo/disk_cap.py)."""
    from kraken_core.config import load_environment
    from kraken_core.demo.disk_cap import (
        GB, enforce_cap, mark_purged_in, record_of_in, simulated_acquisitions,
    )
    from kraken_core.record.connection import open_client
    from kraken_core.record.environment_settings import mongo_settings

    settings = mongo_settings(load_environment())
    client = open_client(settings)
    db = client[settings.database]
    paused = False
    try:
        while not stop.wait(interval_s):
            try:
                report = enforce_cap(run_dir, int(cap_gb * GB), simulated_acquisitions(instruments),
                                     record_of_in(db), mark_purged_in(db))
            except Exception as err:  # the record unreachable for a moment: try again at the next round
                print(f"simulator: could not check the disk cap of {run_dir}: {type(err).__name__}: {err}",
                      flush=True)
                continue
            lines = report.lines()
            if report.pause and paused:
                lines = lines[:-1]  # said once when the pause began
            for line in lines:
                print(line, flush=True)
            if paused and not report.pause:
                print("simulator: the run folder is under its cap again; acquisitions resume", flush=True)
            paused = report.pause
            (may_acquire.clear if paused else may_acquire.set)()
    finally:
        client.close()


def main() -> None:
    from kraken_core.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mounts", type=Path, help="MOUNTS_PATH (default: from the environment)")
    parser.add_argument("--size-mb", type=float, default=5.0, help="size of each acquisition (default 5)")
    parser.add_argument("--step-s", type=float, default=2.0, help="seconds between the 6 growth steps (default 2)")
    parser.add_argument("--idle-s", type=float, default=20.0,
                        help="seconds between two acquisitions of an instrument (default 20)")
    parser.add_argument("--run-dir", type=Path,
                        help="the folder kept under --disk-cap-gb (KRAKEN_RUN_DIR); without it, no cap")
    parser.add_argument("--disk-cap-gb", type=float,
                        default=float(os.environ.get("KRAKEN_DEMO_DISK_CAP_GB") or DEFAULT_CAP_GB),
                        help=f"cap on --run-dir in GB (KRAKEN_DEMO_DISK_CAP_GB, default {DEFAULT_CAP_GB:g})")
    args = parser.parse_args()
    if args.mounts:
        os.environ["MOUNTS_PATH"] = str(args.mounts)
    config = load_config()
    stop = threading.Event()
    may_acquire = threading.Event()
    may_acquire.set()
    threads = []
    instruments = {}
    for instrument_id, instrument in config.instruments.items():
        folder = config.instrument_folder(instrument_id)
        folder.mkdir(parents=True, exist_ok=True)
        instruments[instrument_id] = (folder, SUFFIX[instrument.type])
        thread = threading.Thread(target=run_instrument, daemon=True,
                                  args=(folder, instrument.type, instrument_id, stop, args.size_mb, args.step_s,
                                        args.idle_s, may_acquire))
        thread.start()
        threads.append(thread)
    print(f"simulator: writing a {args.size_mb:g} MB acquisition every {6 * args.step_s + args.idle_s:g} s to each of "
          f"{len(threads)} instruments; Ctrl-C stops", flush=True)
    if args.run_dir:
        print(f"simulator: keeping {args.run_dir} under {human_size(args.disk_cap_gb * GB)} (--disk-cap-gb, "
              f"KRAKEN_DEMO_DISK_CAP_GB): over it, the oldest simulated acquisitions whose backup is verified are "
              f"deleted from the instrument folders; backups and output are kept, and when they alone reach the cap, "
              f"new acquisitions pause", flush=True)
        threading.Thread(target=keep_under_cap, daemon=True,
                         args=(args.run_dir, args.disk_cap_gb, instruments, stop, may_acquire)).start()
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
