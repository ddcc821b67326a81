"""SIMULATED AlphaDIA for the demo: writes output in AlphaDIA 2.x's layout with made-up, plausible metrics.

Not a quantification: it never reads the raw file's spectra. It takes AlphaDIA's command line (`--file`, `--output`,
`--threads`), runs for a few seconds and writes `stat.tsv`, `precursors.parquet`, `internal.tsv`, `log.txt` and
`quant/<stem>/events.jsonl`. Precursors, proteins, FWHM and mass errors drift slowly with the time of day and vary
from file to file (seeded by the file name, so a file always gives the same numbers); about one file in 15 fails
as AlphaDIA does when calibration finds too few PSMs (event `TOO_FEW_PSM`, exit 1), a known failure that ends the
raw file `quanting_failed`. Run by path with the platform's Python (needs pandas and pyarrow); the demo installs a
wrapper for it in the software folder (kraken_core.demo.setup).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

VERSION = "2.3.0-simulated"
FAILURE_EVERY = 15
RUN_S = (4.0, 10.0)
SAMPLE_ROWS = 2000
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"


def _event(path: Path, **fields) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps({"time": time.time(), **fields}) + "\n")


def simulated_stats(stem: str, now: float) -> dict[str, float]:
    """One file's metrics: a slow drift over hours (a column ageing and being swapped) plus file-to-file noise."""
    rng = random.Random(hashlib.sha256(stem.encode()).digest())
    drift = math.sin(now / 3600 / 3 * 2 * math.pi)  # one cycle in 3 hours
    precursors = int(42_000 + 4_000 * drift + rng.gauss(0, 1_200))
    return {
        "precursors": max(precursors, 1_000),
        "proteins": max(int(precursors / 7.1 + rng.gauss(0, 120)), 100),
        "fwhm_rt": round(2.6 - 0.3 * drift + rng.gauss(0, 0.08), 3),
        "fwhm_mobility": round(0.011 + rng.gauss(0, 0.0008), 5),
        "ms2_error": round(7.5 + 1.2 * drift + rng.gauss(0, 0.4), 3),
        "ms1_error": round(4.0 + 0.8 * drift + rng.gauss(0, 0.3), 3),
        "rt_error": round(55 + 8 * drift + rng.gauss(0, 3), 2),
        "mobility_error": round(0.02 + rng.gauss(0, 0.002), 4),
        "ms2_bias": round(1.2 + 0.5 * drift + rng.gauss(0, 0.2), 3),
        "ms1_bias": round(0.4 + 0.3 * drift + rng.gauss(0, 0.1), 3),
    }


def fails(stem: str) -> bool:
    return int(hashlib.sha256(f"fail:{stem}".encode()).hexdigest(), 16) % FAILURE_EVERY == 0


def write_precursors(path: Path, stem: str, count: int) -> None:
    import pandas as pd

    rng = random.Random(stem)
    rows = min(count, SAMPLE_ROWS)
    sequences = ["".join(rng.choice(AMINO_ACIDS) for _ in range(rng.randint(7, 25))) + rng.choice("KR")
                 for _ in range(rows)]
    pd.DataFrame({
        "precursor.sequence": sequences,
        "precursor.charge": [rng.choice((2, 2, 2, 3, 3, 4)) for _ in range(rows)],
        "precursor.proba": [round(rng.random() * 0.01, 5) for _ in range(rows)],
        "precursor.intensity": [round(rng.lognormvariate(11, 1.5), 1) for _ in range(rows)],
        "pg.intensity": [round(rng.lognormvariate(13, 1.2), 1) for _ in range(rows)],
        "pg.proteins": [f"P{rng.randint(10000, 99999)}" for _ in range(rows)],
    }).to_parquet(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="alphadia (simulated)")
    parser.add_argument("--file", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--threads", default="1")
    args, _ = parser.parse_known_args(argv)
    raw, output = Path(args.file), Path(args.output)
    stem = raw.name.rsplit(".", 1)[0]
    output.mkdir(parents=True, exist_ok=True)
    events = output / "quant" / stem / "events.jsonl"
    with (output / "log.txt").open("a") as log:
        log.write(f"alphadia {VERSION} (SIMULATED for the demo: no real quantification)\nfile: {raw}\n")
        _event(events, name="start", raw_file=stem)
        time.sleep(random.Random(stem).uniform(*RUN_S))
        if fails(stem):
            _event(events, name="exception", error_code="TOO_FEW_PSM", message="too few PSMs for calibration")
            log.write("ERROR: TOO_FEW_PSM: too few PSMs for calibration (simulated failure)\n")
            print(f"simulated AlphaDIA: {raw.name} fails with TOO_FEW_PSM (as one file in {FAILURE_EVERY} does)",
                  file=sys.stderr)
            return 1
        s = simulated_stats(stem, time.time())
        (output / "stat.tsv").write_text(
            "raw.name\tsearch.channel\tsearch.precursors\tsearch.proteins\tsearch.fwhm_rt\tsearch.fwhm_mobility\t"
            "optimization.ms2_error\toptimization.ms1_error\toptimization.rt_error\toptimization.mobility_error\t"
            "calibration.ms2_bias\tcalibration.ms2_variance\tcalibration.ms1_bias\tcalibration.ms1_variance\t"
            "raw.gradient_length\traw.cycle_length\traw.cycle_duration\traw.cycle_number\n"
            f"{stem}\t0\t{s['precursors']}\t{s['proteins']}\t{s['fwhm_rt']}\t{s['fwhm_mobility']}\t{s['ms2_error']}\t"
            f"{s['ms1_error']}\t{s['rt_error']}\t{s['mobility_error']}\t{s['ms2_bias']}\t3.0\t{s['ms1_bias']}\t2.0\t"
            f"1260.0\t301\t1.2\t1000\n"
        )
        write_precursors(output / "precursors.parquet", stem, s["precursors"])
        (output / "internal.tsv").write_text("duration_total\tduration_load\tduration_optimization\t"
                                             "duration_extraction\n" f"{RUN_S[1]}\t1.0\t3.0\t2.0\n")
        _event(events, name="finished", raw_file=stem)
        log.write(f"finished: {s['precursors']} precursors, {s['proteins']} proteins (simulated)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
