#!/usr/bin/python3
"""A stand-in for AlphaKraken's MSQC extractor on the test cluster: `msqc RAW_FILE_PATH OUTPUT_PATH NUM_THREADS`.

Standard library only (it runs on the cluster's system Python). Writes what the real extractor writes for a Thermo
raw file: `msqc_results.tsv` (one row, pandas' index as a first unnamed column, injection times in ms, TICs, the
Evosep pump's highest high-pressure reading in bar, the gradient length in minutes) and `msqc_tic.tsv`.
"""

import sys
from pathlib import Path

RESULTS = {
    "ms1_median_injection_time": 0.91, "ms1_scans": 1, "ms1_median_tic": 2688350700.0,
    "ms2_median_injection_time": 6.014, "ms2_scans": 200, "ms2_median_tic": 1029877.25,
    "evosep_pump_hp_pressure_max": 417.0, "gradient_length": 21.4983,
}


def main() -> int:
    if len(sys.argv) != 4:
        print("Usage: msqc <raw_file_path> <output_path> <num_threads>")
        return 2
    raw, output, threads = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    print(f"Starting MSQC extraction {raw} {output} num_threads={threads}")
    if not raw.is_file():
        print(f"raw file {raw} not found")
        return 1
    output.mkdir(parents=True, exist_ok=True)
    (output / "msqc_results.tsv").write_text(
        "\t" + "\t".join(RESULTS) + "\n0\t" + "\t".join(str(v) for v in RESULTS.values()) + "\n")
    (output / "msqc_tic.tsv").write_text("\tspec_idx\ttic\tms_level\n0\t0\t2688350700.0\t1\n1\t1\t1029877.25\t2\n")
    print("Finished MSQC extraction!")
    return 0


if __name__ == "__main__":
    sys.exit(main())
