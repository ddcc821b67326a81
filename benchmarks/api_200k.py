"""REST API answer times on a lab's history: 200,000 raw files (and their metrics) in the record.

Seeds a database on the test MongoDB server (or reuses it with --reuse) with the companion's generator, plus
instrument annotations and a QC series, then calls every endpoint in-process through the ASGI app (routing,
token check, queries, JSON; no network) and reports the median time of each and its ratio to a baseline timed
right before each call: the plain read of a page of the same size, `find().sort(created_at).limit(n)`, with no
filter, no metrics and no JSON. Target: every call under 1 s.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-api .venv/bin/python benchmarks/api_200k.py [--count 200000] [--reuse]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.testclient import TestClient  # noqa: E402

from benchmarks.support import record_client, seeded_record_arguments  # noqa: E402
from kraken_core.config.qc import QcConfig  # noqa: E402
from kraken_core.qc.baseline import QcPoint  # noqa: E402
from kraken_core.record.accounts import add_account, find_account, issue_token  # noqa: E402
from kraken_core.record.annotations import add_annotation  # noqa: E402
from kraken_core.record.connection import MongoSettings  # noqa: E402
from kraken_core.record.indexes import ensure_indexes  # noqa: E402
from kraken_core.record.qc_series import SeriesKey, record_point  # noqa: E402
from kraken_ui_ext.companion.app import build_app  # noqa: E402
from kraken_ui_ext.companion.settings import CompanionSettings  # noqa: E402
from tests.support.ui_record import INSTRUMENTS, seed_record  # noqa: E402

QC = QcConfig.model_validate({"series": [{
    "name": "hela", "raw_file_pattern": "HeLa_QC", "settings_name": "hela_standard",
    "metrics": ["precursors", "proteins"], "rules": ["1-3s", "2-2s", "R-4s", "4-1s", "10-x", "cusum"]}]})


def calls(db) -> list[tuple[str, str, int]]:
    """(what, path, page size of the baseline)."""
    done = db.raw_file.find_one({"status": {"$eq": "done"}, "instrument_id": {"$eq": "bruker1"}}, {"_id": 1})["_id"]
    month = datetime.now(UTC) - timedelta(days=200)
    window = f"date_from={month:%Y-%m-%d}&date_to={month + timedelta(days=30):%Y-%m-%d}"
    return [
        ("raw files: newest 100 with metrics (the default)", "/raw_files", 100),
        ("raw files: 1,000 without metrics", "/raw_files?limit=1000&include_metrics=false", 1000),
        ("raw files: one instrument", "/raw_files?instrument_id=thermo1", 100),
        ("raw files: offset 100,000", "/raw_files?offset=100000", 100),
        ("raw files: a month 200 days ago", f"/raw_files?{window}", 100),
        ("raw files: status group failed", "/raw_files?status=failed", 100),
        ("raw files: filter hela, 7 days", "/raw_files?filter=hela&max_age_days=7", 100),
        ("raw files: metric range precursors=[40000,60000]", "/raw_files?filter=precursors=[40000,60000]", 100),
        ("one raw file", f"/raw_files/{quote(done)}", 1),
        ("metrics of one raw file", f"/raw_files/{quote(done)}/metrics", 1),
        ("instruments", "/instruments", 3),
        ("QC status (3 series)", "/qc/status", 3),
        ("annotations", "/annotations", 100),
        ("health", "/health", 1),
        ("OpenAPI document", "/openapi.json", 1),
    ]


def seed_qc_and_annotations(db, now: datetime) -> None:
    """A QC point for each HeLa file of the last 60 days (as judging writes them) and 60 annotations."""
    for instrument in INSTRUMENTS:
        key = SeriesKey("hela", "HeLa_QC", instrument, "hela_standard", 2)
        for doc in db.raw_file.find({"instrument_id": {"$eq": instrument}}, {"created_at": 1}).sort(
                "created_at", -1).limit(3000):
            if "HeLa_QC" in doc["_id"]:
                metrics = db.metrics.find_one({"raw_file": {"$eq": doc["_id"]}}) or {}
                if metrics.get("precursors") is not None:
                    record_point(db, key, QcPoint(doc["_id"], doc["created_at"],
                                                  {"precursors": metrics["precursors"], "proteins": metrics["proteins"]}))
    for i in range(60):
        add_annotation(db, instrument_id=list(INSTRUMENTS)[i % 3], kind="note", text=f"note {i}",
                       occurred_at=now - timedelta(days=i * 3))


def once_ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = seeded_record_arguments("bench_api")
    args = parser.parse_args()
    client = record_client()
    db = client[args.database]
    if not (args.reuse and db.raw_file.estimated_document_count() >= args.count):
        client.drop_database(args.database)
        started = time.perf_counter()
        now = seed_record(db, args.count, spacing=timedelta(minutes=3))
        seed_qc_and_annotations(db, now)
        print(f"seeded {args.count:,} raw files, {db.metrics.estimated_document_count():,} metrics documents, "
              f"{db.qc_point.estimated_document_count():,} QC points in {time.perf_counter() - started:.0f} s")
    ensure_indexes(db)
    if find_account(db, "bench") is None:
        add_account(db, "bench", "viewer", "bench-password-" + "x" * 8)
    token = issue_token(db, "bench", "api")
    settings = CompanionSettings(mongo=MongoSettings(database=args.database), webserver_base_url="http://127.0.0.1:3000",
                                 instrument_vendors={i: {"raw": "thermo", "d": "bruker", "wiff": "sciex"}[s]
                                                     for i, (s, _) in INSTRUMENTS.items()}, qc=QC)
    app = TestClient(build_app(settings, db), headers={"Authorization": f"Bearer {token}"})

    print(f"\n{db.raw_file.estimated_document_count():,} raw files; median of {args.repeat} calls each; the baseline "
          f"(a plain find().sort(created_at).limit(n) of the same page size) is timed right before each call\n")
    print("| call | ms | baseline ms | ratio | items | KB |\n|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for what, path, size in calls(db):
        def baseline(size=size):
            return list(db.raw_file.find({}).sort("created_at", -1).limit(size))

        def call(path=path):
            response = app.get(f"/api/v1{path}")
            assert response.status_code == 200, (path, response.text[:300])
            return response

        samples, bases = [], []
        for _ in range(args.repeat):
            bases.append(once_ms(baseline))
            samples.append(once_ms(call))
        answer = call().json()
        ms, base = statistics.median(samples), statistics.median(bases)
        worst = max(worst, ms)
        items = answer.get("count", 1) if isinstance(answer, dict) else 1
        size_kb = len(call().content) / 1024
        print(f"| {what} | {ms:.0f} | {base:.0f} | {ms / base:.1f} | {items} | {size_kb:.0f} |", flush=True)
    print(f"\nslowest call: {worst:.0f} ms (target under 1000 ms)")


if __name__ == "__main__":
    main()
