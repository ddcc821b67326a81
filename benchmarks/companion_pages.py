"""Companion app page times on a lab's history: 200,000 raw files (and their metrics) in the record.

Seeds a database on the test MongoDB server (or reuses it with --reuse), then requests every page in-process
through the ASGI app (routing, queries, rendering; no network) and reports the median time of each and its
ratio to a baseline timed right before each request: the bare indexed query of the last two days' raw file ids.
Target: overview and trends under 1 s each. Filtered overviews are also reported as a ratio to the unfiltered
overview of the same days (`x unfiltered`).

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-ui .venv/bin/python benchmarks/companion_pages.py [--count 200000] [--reuse]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.testclient import TestClient  # noqa: E402

from kraken_core.record.connection import MongoSettings  # noqa: E402
from kraken_core.record.record_reads import acquired_since  # noqa: E402
from kraken_ui_ext.companion.app import build_app  # noqa: E402
from kraken_ui_ext.companion.recent_record import HORIZON_DAYS  # noqa: E402
from kraken_ui_ext.companion.settings import CompanionSettings  # noqa: E402
from kraken_ui_ext.key_metrics import TREND_METRICS  # noqa: E402
from benchmarks.support import record_client, seeded_record_arguments  # noqa: E402
from tests.support.ui_record import INSTRUMENTS, seed_record  # noqa: E402

PAGES = [
    ("overview (default: 2 days, all instruments)", "/overview"),
    ("overview sorted by proteins", "/overview?sort=proteins"),
    ("overview, 7 days", "/overview?age=7"),
    ("overview, one instrument, 7 days", "/overview?instrument=thermo1&age=7"),
    ("overview, free text, 7 days", "/overview?q=HeLa_QC&age=7"),
    ("overview CSV (2 days)", "/overview.csv"),
    ("overview, filter on the record (2 days)", "/overview?filter=thermo1 %26 !hela %26 status=^done$"),
    ("overview, filter with a metric range (2 days)", "/overview?filter=thermo1 %26 status=done %26 precursors=[40000,60000]"),
    ("overview, filter, 7 days", "/overview?age=7&filter=hela %26 !status=failed"),
    ("overview, filter with a metric range, 7 days", "/overview?age=7&filter=hela_qc %26 proteins=[6000,]"),
    ("overview, every metric column (2 days)", "/overview?cols=" + ",".join(m.name for m in TREND_METRICS)),
    ("trends (default: 14 days, proteins)", "/trends"),
    ("trends 30 days, precursors, by project", "/trends?metric=precursors&days=30&colour_by=project"),
    ("status (4 weeks of throughput)", "/status"),
    ("projects and settings", "/projects"),
]


def timed(call, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = seeded_record_arguments("bench_companion")
    args = parser.parse_args()
    client = record_client()
    db = client[args.database]
    if not (args.reuse and db.raw_file.estimated_document_count() >= args.count):
        client.drop_database(args.database)
        started = time.perf_counter()
        seed_record(db, args.count, spacing=timedelta(minutes=3))
        print(f"seeded {args.count:,} raw files and {db.metrics.estimated_document_count():,} metrics documents "
              f"in {time.perf_counter() - started:.0f} s")
    settings = CompanionSettings(mongo=MongoSettings(database=args.database), webserver_base_url="http://127.0.0.1:3000",
                                 instrument_vendors={i: {"raw": "thermo", "d": "bruker", "wiff": "sciex"}[s]
                                                     for i, (s, _) in INSTRUMENTS.items()})
    app = TestClient(build_app(settings, db))

    def baseline():
        return acquired_since(db, datetime.now(UTC) - timedelta(days=2), {"_id": 1})

    started = time.perf_counter()
    app.get("/overview").raise_for_status()
    print(f"\nfirst request after start (the companion reads the last {HORIZON_DAYS} days: "
          f"{len(acquired_since(db, datetime.now(UTC) - timedelta(days=HORIZON_DAYS), {'_id': 1})):,} raw files and "
          f"their metrics): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"\n{db.raw_file.estimated_document_count():,} raw files; median of {args.repeat} requests each; the "
          f"baseline (the last 2 days' {len(baseline()):,} raw file ids, read newest first through the index) is "
          f"timed right before each request, so both see the same machine load\n")
    print(f"{'page':<48} {'ms':>7} {'baseline ms':>12} {'x baseline':>11} {'KB':>7} {'x unfiltered':>13}")
    unfiltered: dict[str, float] = {}  # the plain overview's time per age parameter
    for label, path in PAGES:
        response = app.get(path)
        response.raise_for_status()
        page_times, base_times = [], []
        for _ in range(args.repeat):
            base_times.append(timed(baseline, 1))
            page_times.append(timed(lambda p=path: app.get(p).raise_for_status(), 1))
        seconds, base = statistics.median(page_times), statistics.median(base_times)
        age = "age=7" if "age=7" in path else ""
        if path in ("/overview", "/overview?age=7"):
            unfiltered[age] = seconds
        is_filtered = "filter=" in path or "cols=" in path or "q=" in path
        ratio = f"{seconds / unfiltered[age]:>13.2f}" if is_filtered and age in unfiltered else ""
        print(f"{label:<48} {seconds * 1000:>7.0f} {base * 1000:>12.0f} {seconds / base:>11.1f} "
              f"{len(response.content) / 1024:>7.0f} {ratio}")

if __name__ == "__main__":
    main()
