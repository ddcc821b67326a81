"""The control-chart evaluation of a new QC raw file in a large record.

Seeds a database of the test MongoDB-compatible server with --raw-files raw files (default 200,000) on four
instruments over about six years, one in --qc-every a HeLa QC standard with an AlphaDIA metrics document, plus
maintenance annotations, then judges new QC files as `qc_series_in_control` does (`judge_raw_file`: the series'
baseline, the files before it, the newest resetting annotation, the point written), with the series' points
already in `qc_point` (steady state: each earlier QC file wrote its point when it was judged). The one-time fill
of a series configured on an existing record (`fill_series`: its points from the instrument's raw files and their
metrics) is timed on its own at the end.

Baseline of the same run: reading the judged file's `raw_file` document and its metrics by id, the least any
judgement must do. Target: under 100 ms per judgement.

    .venv/bin/python -m benchmarks.qc_judgement [--raw-files 200000] [--qc-every 10] [--judgements 30] [--reuse]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.support import record_client
from kraken_core.config.qc import QcConfig
from kraken_core.qc.baseline import QcPoint
from kraken_core.qc.raw_file_verdict import judge_raw_file
from kraken_core.record.indexes import ensure_indexes
from kraken_core.record.qc_series import SeriesKey, _document, fill_series, metric_values
from kraken_core.record.record_reads import metrics_documents

INSTRUMENTS = ["astral1", "astral2", "tims1", "exploris1"]
DATABASE = "kraken_bench_qc"
START = datetime(2020, 1, 1, tzinfo=UTC)
QC = QcConfig.model_validate({
    "series": [{
        "name": "hela", "raw_file_pattern": "(?i)_hela_", "instruments": "all", "settings_name": "hela_std",
        "metrics": ["precursors", "proteins", "fwhm_rt", "optimization:ms1_error"],
        "rules": ["1-3s", "2-2s", "R-4s", "4-1s", "10-x", "cusum"],
    }],
})


def _metrics(rng: random.Random, raw_file_id: str, created: datetime) -> dict:
    return {"raw_file": raw_file_id, "settings_name": "hela_std", "settings_version": 1, "type": "alphadia",
            "precursors": rng.gauss(50_000, 2_000), "proteins": rng.gauss(6_000, 150),
            "fwhm_rt": rng.gauss(0.12, 0.005), "optimization:ms1_error": rng.gauss(3.0, 0.3),
            "created_at_": created}


def seed(db, raw_files: int, qc_every: int) -> None:
    rng = random.Random(7)
    step = timedelta(days=6 * 365) / raw_files
    batch_files, batch_metrics, batch_points = [], [], []
    for index in range(raw_files):
        instrument = INSTRUMENTS[index % len(INSTRUMENTS)]
        created = START + index * step
        qc = (index // len(INSTRUMENTS)) % qc_every == 0  # every instrument's every qc_every-th file
        name = f"{created:%Y%m%d}_{instrument}_{'HeLa' if qc else 'sample'}_{index:07d}.raw"
        raw_file_id = name
        batch_files.append({"_id": raw_file_id, "original_name": name, "instrument_id": instrument,
                            "created_at": created, "status": "done", "size": 2_000_000_000,
                            "project_id": "PRJ1"})
        if qc:
            batch_metrics.append(_metrics(rng, raw_file_id, created))
            # the point the file's judgement wrote (as `record_point` writes it, in batches)
            series = QC.series[0]
            batch_points.append(_document(SeriesKey(series.name, series.raw_file_pattern, instrument, "hela_std", 1),
                                          QcPoint(raw_file_id, created, metric_values(batch_metrics[-1]))))
        if len(batch_files) == 5000:
            db.raw_file.insert_many(batch_files)
            batch_files = []
        if len(batch_metrics) == 5000:
            db.metrics.insert_many(batch_metrics)
            db.qc_point.insert_many(batch_points)
            batch_metrics, batch_points = [], []
    if batch_files:
        db.raw_file.insert_many(batch_files)
    if batch_metrics:
        db.metrics.insert_many(batch_metrics)
        db.qc_point.insert_many(batch_points)
    db.instrument_annotation.insert_many([
        {"instrument_id": instrument, "kind": kind, "occurred_at": START + timedelta(days=day), "text": "bench"}
        for instrument in INSTRUMENTS for day in range(30, 6 * 365, 90)
        for kind in ("source_cleaning", "column_change")])


def judge_new_file(db, rng: random.Random, index: int, when: datetime) -> tuple[float, float]:
    """(baseline seconds, judgement seconds) for one new QC file."""
    instrument = INSTRUMENTS[index % len(INSTRUMENTS)]
    name = f"{when:%Y%m%d}_{instrument}_HeLa_new{index:05d}.raw"
    db.raw_file.insert_one({"_id": name, "original_name": name, "instrument_id": instrument, "created_at": when,
                            "status": "quanting", "size": 2_000_000_000, "project_id": "PRJ1"})
    db.metrics.insert_one(_metrics(rng, name, when))
    started = time.perf_counter()
    raw_file = db.raw_file.find_one({"_id": name})
    documents = list(metrics_documents(db, [name], None))
    read = time.perf_counter() - started
    started = time.perf_counter()
    verdict = judge_raw_file(db, QC, raw_file, documents)
    judged = time.perf_counter() - started
    assert verdict.series, verdict.note
    return read, judged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-files", type=int, default=200_000)
    parser.add_argument("--qc-every", type=int, default=10)
    parser.add_argument("--judgements", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep a seeded database of the same size")
    args = parser.parse_args()
    db = record_client()[DATABASE]
    if not (args.reuse and db.raw_file.estimated_document_count() >= args.raw_files
            and all(db.qc_point.find_one({"instrument_id": {"$eq": i}}) for i in INSTRUMENTS)):
        db.client.drop_database(DATABASE)
        started = time.perf_counter()
        seed(db, args.raw_files, args.qc_every)
        print(f"seeded {args.raw_files:,} raw files ({args.raw_files // args.qc_every:,} QC) in "
              f"{time.perf_counter() - started:.0f} s")
    ensure_indexes(db)
    db.qc_point.delete_many({"raw_file": {"$regex": "_new"}})
    db.raw_file.delete_many({"_id": {"$regex": "_new"}})
    db.metrics.delete_many({"raw_file": {"$regex": "_new"}})
    rng = random.Random(11)
    now = START + timedelta(days=6 * 365, hours=1)
    reads, judgements = [], []
    for index in range(args.judgements):
        read, judged = judge_new_file(db, rng, index, now + timedelta(minutes=index))
        reads.append(read)
        judgements.append(judged)
    points = db.qc_point.estimated_document_count()
    read_ms, judged_ms = statistics.median(reads) * 1000, statistics.median(judgements) * 1000
    print(f"record: {db.raw_file.estimated_document_count():,} raw files, {points:,} QC points in 4 series")
    print(f"judging a new QC file: median {judged_ms:.1f} ms (max {max(judgements) * 1000:.1f} ms, "
          f"n={len(judgements)}); target 100 ms")
    print(f"baseline, reading the file and its metrics by id: median {read_ms:.1f} ms")
    print(f"ratio judgement / baseline: {judged_ms / read_ms:.1f}")
    key = SeriesKey("hela", QC.series[0].raw_file_pattern, INSTRUMENTS[0], "hela_std", 1)
    db.qc_point.delete_many(key.query())
    started = time.perf_counter()
    filled = fill_series(db, key)
    print(f"one-time fill of a series configured on an existing record: {filled:,} points from "
          f"{db.raw_file.count_documents({'instrument_id': INSTRUMENTS[0]}):,} raw files of {INSTRUMENTS[0]} in "
          f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
