"""Control chart page times on a lab's QC history: the `qc_point` documents of 200,000 raw files of which one in ten
is a QC standard (20,000 points: 4 instruments x 5,000 files, a column change every 1,250 files).

Requests the companion's control chart (500 files by default, 2,000 with CUSUM) and annotations pages in-process
through the ASGI app, and times `series_status` (the series' newest file judged as the check judges it), each as the
median of --repeat and as a ratio to a baseline timed right before it: the bare indexed read of the series' newest
500 points, the read the chart starts with. Target: each page under 1 s.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-ui .venv/bin/python benchmarks/control_chart.py [--reuse]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.testclient import TestClient  # noqa: E402

from benchmarks.support import record_client, seeded_record_arguments  # noqa: E402
from kraken_core.config.qc import QcConfig  # noqa: E402
from kraken_core.qc.baseline import QcPoint  # noqa: E402
from kraken_core.qc.series_status import series_status  # noqa: E402
from kraken_core.record.annotations import add_annotation  # noqa: E402
from kraken_core.record.connection import MongoSettings  # noqa: E402
from kraken_core.record.indexes import ensure_indexes  # noqa: E402
from kraken_core.record.qc_series import COLLECTION, SeriesKey, _document, series_points  # noqa: E402
from kraken_ui_ext.companion.app import build_app  # noqa: E402
from kraken_ui_ext.companion.settings import CompanionSettings  # noqa: E402

INSTRUMENTS = ("thermo1", "thermo2", "bruker1", "sciex1")
FILES, RESET_EVERY = 5000, 1250
QC = QcConfig.model_validate({"series": [{
    "name": "hela", "raw_file_pattern": "(?i)_hela_", "settings_name": "hela_std",
    "metrics": ["precursors", "proteins", "fwhm_rt", "optimization:ms1_error"],
    "rules": ["1-3s", "2-2s", "R-4s", "4-1s", "10-x", "cusum"]}]})


def key_of(instrument: str) -> SeriesKey:
    return SeriesKey("hela", "(?i)_hela_", instrument, "hela_std", 1)


def seed(db) -> None:
    ensure_indexes(db)
    rng = random.Random(5)
    start = datetime.now(UTC) - timedelta(hours=4 * FILES)
    for instrument in INSTRUMENTS:
        docs = []
        for i in range(FILES):
            acquired = start + timedelta(hours=4 * i, minutes=INSTRUMENTS.index(instrument))
            if i and i % RESET_EVERY == 0:
                add_annotation(db, instrument_id=instrument, kind="column_change", occurred_at=acquired - timedelta(hours=1))
            values = {"precursors": rng.gauss(50000, 1000), "proteins": rng.gauss(6000, 60),
                      "fwhm_rt": rng.gauss(2.9, 0.1), "optimization:ms1_error": rng.gauss(2.5, 0.4)}
            docs.append(_document(key_of(instrument), QcPoint(f"{acquired:%Y%m%d}_{instrument}_HeLa_{i:05d}.raw",
                                                              acquired, values)))
        db[COLLECTION].insert_many(docs, ordered=False)


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = seeded_record_arguments("bench_control_chart", None)
    args = parser.parse_args()
    client = record_client()
    db = client[args.database]
    if not (args.reuse and db[COLLECTION].estimated_document_count() >= FILES * len(INSTRUMENTS)):
        client.drop_database(args.database)
        started = time.perf_counter()
        seed(db)
        print(f"seeded {db[COLLECTION].estimated_document_count():,} QC points in {time.perf_counter() - started:.0f} s")
    settings = CompanionSettings(mongo=MongoSettings(database=args.database), webserver_base_url="http://127.0.0.1:3000",
                                 instrument_vendors={i: "thermo" for i in INSTRUMENTS}, qc=QC)
    app = TestClient(build_app(settings, db))
    key = key_of("thermo1")

    def baseline():
        return series_points(db, key, 500)

    cases = [
        ("control chart (500 files)", lambda: app.get("/control_chart?instrument=thermo1").raise_for_status()),
        ("control chart (2,000 files, CUSUM)",
         lambda: app.get("/control_chart?instrument=thermo1&files=2000&cusum=1").raise_for_status()),
        ("annotations page", lambda: app.get("/annotations?instrument=thermo1").raise_for_status()),
        ("series_status (newest file, 4 metrics)", lambda: series_status(db, QC, key)),
    ]
    print(f"\n{db[COLLECTION].estimated_document_count():,} QC points; median of {args.repeat} each; the baseline "
          f"(indexed read of the series' newest 500 points) is timed right before each call\n")
    print(f"{'call':<42} {'ms':>7} {'baseline ms':>12} {'x baseline':>11}")
    for label, call in cases:
        call()
        base_times, times = [], []
        for _ in range(args.repeat):
            base_times.append(timed(baseline))
            times.append(timed(call))
        seconds, base = statistics.median(times), statistics.median(base_times)
        print(f"{label:<42} {seconds * 1000:>7.0f} {base * 1000:>12.0f} {seconds / base:>11.1f}")


if __name__ == "__main__":
    main()
