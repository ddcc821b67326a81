#!/usr/bin/python3
"""A stand-in `alphadia` for the test cluster: same command line, output in the real 2.x (or 1.x) layout.

Standard library only (it runs on the cluster's system Python). `precursors.parquet` is copied from
`../share/fake_alphadia/` next to this executable, written with pyarrow when the environment is installed.
What it does depends on a token in the raw file name:
  _V1X_     1.x layout (precursors.tsv, .progress/<stem>/events.jsonl, 1.x stat.tsv columns)
  _PSMFAIL_ an exception event with error_code TOO_FEW_PSM, exit 1
  _NOIDS_   exit 0 with zero identifications
  _OOM_     allocates far more memory than the job's --mem
  _SLOW_    sleeps past the job's --time
A Sciex `.wiff` (with its `.wiff.scan`) must be writable, as AlphaDIA's Sciex reader needs.
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

VERSION = "2.3.0-test"
SHARE = Path(__file__).resolve().parent.parent / "share" / "fake_alphadia"


def event(path: Path, **fields) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps({"time": time.time(), **fields}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(prog="alphadia")
    parser.add_argument("--version", action="store_true")
    parser.add_argument("--file", action="append", default=[])
    parser.add_argument("--library")
    parser.add_argument("--fasta")
    parser.add_argument("--config")
    parser.add_argument("--output")
    parser.add_argument("--config-dict")
    args, extra = parser.parse_known_args()
    if args.version:
        print(VERSION)
        return 0
    raw = Path(args.file[0])
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    log = (output / "log.txt").open("a")
    log.write(f"alphadia {VERSION}\nfile: {raw}\nextra: {json.dumps(extra)}\n")
    log.write(f"config-dict: {args.config_dict}\n")
    if os.environ.get("AK_SITE_MARKER"):  # set by a site job header in the tests
        log.write(f"site marker: {os.environ['AK_SITE_MARKER']}\n")
    for needed in [raw] + [Path(p) for p in (args.config, args.library, args.fasta) if p]:
        os.stat(needed)  # a path the cluster cannot see fails here, as it would in AlphaDIA
    if args.config:
        Path(args.config).read_bytes()
    if raw.suffix == ".wiff":  # like AlphaDIA's Sciex reader: the file set must be writable, its .wiff.scan beside it
        for part in (raw, raw.with_name(raw.name + ".scan")):
            with part.open("r+b"):
                pass
        log.write(f"sciex file set: {sorted(p.name for p in raw.parent.iterdir())}\n")
    name = raw.name
    stem = name.rsplit(".", 1)[0]
    v1 = "_V1X_" in name
    events = output / (".progress" if v1 else "quant") / stem / "events.jsonl"
    event(events, name="start", raw_file=stem)
    if "_OOM_" in name:
        hog = bytearray(600 * 1024 * 1024)
        for i in range(0, len(hog), 4096):
            hog[i] = 1
        time.sleep(10)
        return 0
    if "_SLOW_" in name:
        time.sleep(600)
        return 0
    if "_PSMFAIL_" in name:
        event(events, name="exception", error_code="TOO_FEW_PSM", message="too few PSMs for calibration")
        log.write("ERROR: TOO_FEW_PSM: too few PSMs for calibration\n")
        return 1
    precursors = 0 if "_NOIDS_" in name else 4
    if v1:
        (output / "stat.tsv").write_text(
            "run\tchannel\tprecursors\tproteins\tfwhm_rt\tfwhm_mobility\tcalibration.ms2_median_accuracy\t"
            "calibration.ms2_median_precision\tcalibration.ms1_median_accuracy\tcalibration.ms1_median_precision\t"
            "raw.gradient_length_m\n"
            f"{stem}\t0\t{precursors}\t{precursors // 2}\t2.5\t0.01\t1.5\t3.0\t0.5\t2.0\t21.0\n"
        )
        rows = "" if not precursors else (
            "AAAK\t2\t0.001\t1000.0\t5000.0\nCCCCCK\t3\t0.002\t2000.0\t5000.0\n"
            "DDDR\t2\t0.003\t3000.0\t6000.0\nEEEEEEEK\t2\t0.004\t4000.0\t6000.0\n"
        )
        (output / "precursors.tsv").write_text("sequence\tcharge\tproba\tprecursor_intensity\tpg_intensity\n" + rows)
    else:
        (output / "stat.tsv").write_text(
            "raw.name\tsearch.channel\tsearch.precursors\tsearch.proteins\tsearch.fwhm_rt\tsearch.fwhm_mobility\t"
            "optimization.ms2_error\toptimization.ms1_error\toptimization.rt_error\toptimization.mobility_error\t"
            "calibration.ms2_bias\tcalibration.ms2_variance\tcalibration.ms1_bias\tcalibration.ms1_variance\t"
            "raw.gradient_length\traw.cycle_length\traw.cycle_duration\traw.cycle_number\n"
            f"{stem}\t0\t{precursors}\t{precursors // 2}\t2.5\tnan\t7.0\t4.0\t60.0\t0.02\t"
            f"1.5\t3.0\t0.5\t2.0\t1260.0\t301\t1.2\t1000\n"
        )
        template = SHARE / ("precursors.parquet" if precursors else "precursors_empty.parquet")
        shutil.copyfile(template, output / "precursors.parquet")
    (output / "internal.tsv").write_text(
        "duration_total\tduration_load\tduration_optimization\tduration_extraction\n0.5\t0.1\t0.2\t0.15\n"
    )
    event(events, name="finished", raw_file=stem)
    log.write("finished\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
