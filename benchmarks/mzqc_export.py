"""mzQC downloads on a lab's history: 200,000 raw files (and their metrics) in the record.

Seeds a database on the test MongoDB server (or reuses one seeded by `tests.support.ui_record.seed_record`, e.g.
the companion benchmark's, with --database NAME --reuse), then requests the companion's mzQC downloads in-process
(routing, queries, document, JSON; no network) and reports the median time of each and its ratio to a baseline
timed right before each request: the bare record reads of the same raw files (for one raw file its `raw_file`
and `metrics` documents; for a selection the indexed range query of its raw files and their metrics documents).
Target: a raw file's download under 1 s.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-ui .venv/bin/python benchmarks/mzqc_export.py [--count 200000] [--reuse]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.testclient import TestClient  # noqa: E402

from benchmarks.support import record_client, seeded_record_arguments  # noqa: E402
from kraken_core.config.qc import QcConfig  # noqa: E402
from kraken_core.qc.mzqc_export import Selection, selected_raw_files  # noqa: E402
from kraken_core.record.connection import MongoSettings  # noqa: E402
from kraken_core.record.quanting_jobs import metrics_of  # noqa: E402
from kraken_core.record.raw_files import get_raw_file  # noqa: E402
from kraken_core.record.record_reads import metrics_documents  # noqa: E402
from kraken_ui_ext.companion.app import build_app  # noqa: E402
from kraken_ui_ext.companion.settings import CompanionSettings  # noqa: E402
from tests.support.ui_record import INSTRUMENTS, seed_record  # noqa: E402

QC = QcConfig.model_validate({"series": [{"name": "hela", "raw_file_pattern": "HeLa_QC", "metrics": ["proteins"],
                                          "rules": ["1-3s"]}]})


def _median_pair(request, baseline, repeat: int) -> tuple[float, float, int]:
    request_times, base_times, size = [], [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        baseline()
        base_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        size = len(request())
        request_times.append(time.perf_counter() - started)
    return statistics.median(request_times), statistics.median(base_times), size


def main() -> None:
    parser = seeded_record_arguments("bench_mzqc")
    args = parser.parse_args()
    client = record_client()
    db = client[args.database]
    if args.reuse and db.raw_file.estimated_document_count() < args.count:
        sys.exit(f"{args.database} holds fewer than {args.count:,} raw files; --reuse never reseeds another database")
    if not args.reuse:
        client.drop_database(args.database)
        started = time.perf_counter()
        seed_record(db, args.count, spacing=timedelta(minutes=3))
        print(f"seeded {args.count:,} raw files in {time.perf_counter() - started:.0f} s")
    instruments = {i: {"raw": "thermo", "d": "bruker", "wiff": "sciex"}[s] for i, (s, _) in INSTRUMENTS.items()}
    settings = CompanionSettings(mongo=MongoSettings(database=args.database), webserver_base_url="http://127.0.0.1:3000",
                                 instrument_vendors=instruments, qc=QC)
    app = TestClient(build_app(settings, db))

    def download(path: str) -> bytes:
        response = app.get(path)
        response.raise_for_status()
        return response.content

    quantified = [doc["raw_file"] for doc in db.metrics.find({}, {"raw_file": 1}).limit(5000)]
    newest = db.raw_file.find_one({}, {"created_at": 1}, sort=[("created_at", -1)])["created_at"]
    print(f"\n{db.raw_file.estimated_document_count():,} raw files, {db.metrics.estimated_document_count():,} metrics "
          f"documents; median of {args.repeat} requests each, each after its baseline (the bare record reads)\n")
    print(f"{'download':<52} {'ms':>7} {'baseline ms':>12} {'x baseline':>11} {'KB':>7}")
    rng = random.Random(3)
    samples = [rng.choice(quantified) for _ in range(args.repeat)]
    pairs = [_median_pair(lambda r=raw_file: download(f"/raw_files/{quote(r)}/mzqc"),
                          lambda r=raw_file: (get_raw_file(db, r), metrics_of(db, r)), 1) for raw_file in samples]
    rows = [("one raw file", *map(statistics.median, zip(*pairs)))]
    instrument = next(iter(instruments))
    for label, selection in (
        (f"{instrument}, one day", Selection(instrument, None, newest - timedelta(days=1), newest)),
        (f"{instrument}, one week", Selection(instrument, None, newest - timedelta(days=7), newest)),
        ("QC series hela (all instruments), one week", Selection(None, "hela", newest - timedelta(days=7), newest)),
    ):
        query = urlencode({k: v for k, v in (("instrument", selection.instrument), ("series", selection.series),
                                             ("since", selection.since.isoformat()),
                                             ("until", selection.until.isoformat())) if v})

        def bare(s=selection):
            raw_files, _ = selected_raw_files(db, s, QC, instruments)
            return list(metrics_documents(db, [d["_id"] for d in raw_files], None))

        rows.append((label, *_median_pair(lambda q=query: download(f"/mzqc?{q}"), bare, args.repeat)))
    for label, seconds, base, size in rows:
        print(f"{label:<52} {seconds * 1000:>7.0f} {base * 1000:>12.0f} {seconds / base:>11.1f} {size / 1024:>7.0f}")


if __name__ == "__main__":
    main()
