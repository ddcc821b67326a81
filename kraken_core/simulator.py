"""Writes realistic fake acquisitions into instrument folders, for `make demo` and for tests.

Each instrument acquires one sample after another: the raw file grows in steps, and the next one starts when
the current one ends. Thermo writes one `.raw` file; Bruker a `.d` folder tree whose `analysis.tdf_bin` grows;
Sciex a `.wiff` with its `.wiff.scan` (first a small placeholder while converting) and `.wiff2`.

Run as `python -m kraken_core.simulator --mounts DIR` (instruments from the local configuration).
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
from pathlib import Path

from kraken_core.config.schema import Vendor

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
                   step_s: float) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        stamp = time.strftime("%Y%m%d_%H%M%S")
        name = f"{stamp}_{instrument_id}_PRJ1_HeLa_{number:03d}{SUFFIX[vendor]}"
        acquire(folder, vendor, name, int(size_mb * 1e6), steps=6, step_s=step_s, seed=number)
        print(f"simulator: {instrument_id} finished {name}", flush=True)


def main() -> None:
    from kraken_core.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mounts", type=Path, help="MOUNTS_PATH (default: from the environment)")
    parser.add_argument("--size-mb", type=float, default=20.0)
    parser.add_argument("--step-s", type=float, default=2.0)
    args = parser.parse_args()
    if args.mounts:
        os.environ["MOUNTS_PATH"] = str(args.mounts)
    config = load_config()
    stop = threading.Event()
    threads = []
    for instrument_id, instrument in config.instruments.items():
        folder = config.instrument_folder(instrument_id)
        folder.mkdir(parents=True, exist_ok=True)
        thread = threading.Thread(target=run_instrument, daemon=True,
                                  args=(folder, instrument.type, instrument_id, stop, args.size_mb, args.step_s))
        thread.start()
        threads.append(thread)
    print(f"simulator: writing acquisitions to {len(threads)} instruments; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
