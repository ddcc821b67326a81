"""MCP tools on a large record: each tool's answer time through the real SDK client (in memory), against the
plain pymongo reads the same answer needs, in the same run. Reported as ratios (target: 2.0 or less, i.e. the
MCP layer, shaping and summaries cost no more than the reads themselves).

Run against the test MongoDB server:
    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-mcp .venv/bin/python benchmarks/mcp_tools.py [--raw-files 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kraken_core.record.indexes import ensure_indexes  # noqa: E402
from mcp_server.record_reader import RecordReader  # noqa: E402
from mcp_server.tools import build_server  # noqa: E402
from tests.mcp.client import call, memory_session  # noqa: E402
from benchmarks.support import service_env  # noqa: E402

INSTRUMENTS = ("astral1", "astral2", "tims1", "zeno1")
SUFFIX = {"astral1": ".raw", "astral2": ".raw", "tims1": ".d", "zeno1": ".wiff"}
DAYS = 60
REPEATS = 3


def seed(db, raw_files: int, now: datetime) -> None:
    ensure_indexes(db)
    rng = random.Random(7)
    batch_files, batch_metrics = [], []
    for index in range(raw_files):
        instrument = INSTRUMENTS[index % len(INSTRUMENTS)]
        created = now - timedelta(days=DAYS * index / raw_files)
        kind = "HeLa" if index % 3 == 0 else "sample"
        raw_file_id = f"{created:%Y%m%d}_{instrument}_{kind}_{index:06d}{SUFFIX[instrument]}"
        failed = index % 97 == 0
        batch_files.append({
            "_id": raw_file_id, "original_name": raw_file_id, "instrument_id": instrument, "project_id": "PRJ1",
            "status": "error" if failed else "done", "status_details": "copy failed: disk full" if failed else None,
            "backup_status": "copying_done", "size": rng.randint(10**9, 4 * 10**9), "created_at": created,
            "created_at_": created, "updated_at_": created + timedelta(minutes=40),
            "file_info": {raw_file_id: [1, "0" * 32]},
        })
        metrics = {f"metric_{m:02d}": rng.random() * 100 for m in range(25)}
        batch_metrics.append({"raw_file": raw_file_id, "settings_name": "std", "settings_version": 1,
                              "proteins": rng.randint(4000, 7000), "precursors": rng.randint(30000, 60000),
                              "gradient_length": rng.choice([21.0, 44.0, 88.0]), "fwhm_rt": rng.random(),
                              "created_at_": created + timedelta(hours=1), **metrics})
        if len(batch_files) == 2000:
            db.raw_file.insert_many(batch_files)
            db.metrics.insert_many(batch_metrics)
            batch_files, batch_metrics = [], []
    if batch_files:
        db.raw_file.insert_many(batch_files)
        db.metrics.insert_many(batch_metrics)
    db.kraken_status.insert_many([{"_id": i, "status": "ok", "status_details": "mounted", "free_space_gb": 100.0,
                                   "updated_at_": now} for i in INSTRUMENTS])


def baseline_reads(db, now: datetime) -> dict[str, callable]:
    """The plain reads each answer needs, with no MCP, shaping or summaries."""

    def metrics_of(ids):
        ids = list(ids)
        return [list(db.metrics.find({"raw_file": {"$in": ids[i:i + 500]}})) for i in range(0, len(ids), 500)]

    def trend():
        for start, end in ((now - timedelta(days=30), now), (now - timedelta(days=60), now - timedelta(days=30))):
            docs = list(db.raw_file.find({"instrument_id": "astral1", "created_at": {"$gte": start, "$lt": end}},
                                         {"created_at": 1}).sort("created_at", -1))
            metrics_of(d["_id"] for d in docs)

    def for_instrument():
        window = db.raw_file.find({"instrument_id": "astral1", "created_at": {"$gte": now - timedelta(days=30)}})
        docs = [d for d in window.sort("created_at", -1) if "hela" in d["_id"].lower()][:51]
        metrics_of(d["_id"] for d in docs)

    def failures():
        for field, value in (("status", "acquisition_failed"), ("status", "error"), ("status", "quanting_failed"),
                             ("backup_status", "copying_failed"), ("backup_status", "upload_failed")):
            list(db.raw_file.find({field: value, "updated_at_": {"$gte": now - timedelta(hours=720)}})
                 .sort("updated_at_", -1).limit(101))

    def instruments():
        list(db.kraken_status.find({}))
        for instrument in INSTRUMENTS:
            list(db.raw_file.find({"instrument_id": instrument}).sort("created_at", -1).limit(1))
            list(db.raw_file.find({"instrument_id": instrument, "created_at": {"$gte": now - timedelta(days=1)}},
                                  {"_id": 1}))

    return {"get_metric_trend": trend, "get_raw_files_for_instrument": for_instrument,
            "get_recent_failures": failures, "get_available_instruments": instruments}


TOOL_ARGUMENTS = {
    "get_metric_trend": {"instrument_id": "astral1", "metric": "proteins", "period_days": 30},
    "get_raw_files_for_instrument": {"instrument_id": "astral1", "name_search_string": "hela", "max_age_in_days": 30,
                                     "only_basic_metrics": False},
    "get_recent_failures": {"hours": 720},
    "get_available_instruments": {},
}


def best_of(work) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-files", type=int, default=20_000)
    args = parser.parse_args()
    env = service_env()
    client = pymongo.MongoClient(env.get("MONGO_HOST", "127.0.0.1"), int(env.get("MONGO_PORT", 27017)), tz_aware=True)
    name = f"bench_mcp_{uuid.uuid4().hex[:8]}"
    db = client[name]
    now = datetime.now(UTC)
    try:
        start = time.perf_counter()
        seed(db, args.raw_files, now)
        print(f"seeded {args.raw_files} raw files and metrics documents in {time.perf_counter() - start:.1f} s")
        server = build_server(RecordReader(db), {})
        baselines = baseline_reads(db, now)
        results = {}

        async def measure():
            async with memory_session(server) as session:
                for tool, arguments in TOOL_ARGUMENTS.items():
                    times = []
                    for _ in range(REPEATS):
                        t0 = time.perf_counter()
                        await call(session, tool, **arguments)
                        times.append(time.perf_counter() - t0)
                    results[tool] = min(times)

        anyio.run(measure)
        print(f"{'tool':32} {'answer s':>9} {'reads s':>9} {'ratio':>6}")
        ratios = []
        for tool in TOOL_ARGUMENTS:
            baseline = best_of(baselines[tool])
            ratios.append(results[tool] / baseline)
            print(f"{tool:32} {results[tool]:9.3f} {baseline:9.3f} {ratios[-1]:6.2f}")
        print(f"median ratio {statistics.median(ratios):.2f} (target: 2.0 or less)")
    finally:
        client.drop_database(name)
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
