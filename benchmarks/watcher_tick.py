"""One instrument-watcher tick over a folder of 10,000 raw files with 100,000 documents in `raw_file`.

Scenarios, each timed as the best of `--repeat` ticks:
- quiet tick: every file known, nothing new (the steady state). Also counts the database commands it sends.
- fresh-cursor tick: the watcher state is lost (e.g. a reset sensor), so one page of names is looked up.
- busy tick: 100 new files appeared since the last tick.
Baseline, same run: listing the folder with `os.scandir` and one `stat` per entry, the floor any watcher pays.
Needs the test MongoDB server (`tests/services/services.sh start`).

    .venv/bin/python benchmarks/watcher_tick.py [--files 10000] [--documents 100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pymongo
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.support import service_env  # noqa: E402
from kraken_core.config.schema import KrakenConfig  # noqa: E402
from kraken_core.record.indexes import ensure_indexes  # noqa: E402
from kraken_core.watcher import InstrumentWatcher, WatcherState  # noqa: E402


class Counter(monitoring.CommandListener):
    def __init__(self):
        self.count = 0

    def started(self, event):
        self.count += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def best(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    services = service_env()
    counter = Counter()
    client = pymongo.MongoClient(services.get("MONGO_HOST", "127.0.0.1"), int(services.get("MONGO_PORT", 27117)),
                                 tz_aware=True, event_listeners=[counter])
    db_name = f"bench_watcher_{uuid.uuid4().hex[:6]}"
    db = client[db_name]
    work = Path(tempfile.mkdtemp(prefix="kraken-watch-"))
    try:
        folder = work / "instruments" / "bench1"
        folder.mkdir(parents=True)
        for sub in ("backup", "output"):
            (work / sub).mkdir()
        config = KrakenConfig.model_validate({
            "locations": {"instruments": {"path": str(work / "instruments")}, "backup": {"path": str(work / "backup")},
                          "output": {"path": str(work / "output")}},
            "instruments": {"bench1": {"type": "thermo"}},
        })
        ensure_indexes(db)
        now = datetime.now(UTC)
        names = [f"2024_bench_{i:06d}.raw" for i in range(args.files)]
        for name in names:
            (folder / name).write_bytes(b"x" * 100)
        docs = [{"_id": n, "original_name": n, "instrument_id": "bench1", "status": "done", "created_at": now,
                 "created_at_": now, "file_info": {n: [100, "0" * 32]}} for n in names]
        docs += [{"_id": f"other_{i}.raw", "original_name": f"other_{i}.raw", "instrument_id": "other",
                  "status": "done", "created_at": now, "created_at_": now}
                 for i in range(args.documents - len(names))]
        for i in range(0, len(docs), 10_000):
            db.raw_file.insert_many(docs[i : i + 10_000], ordered=False)

        floor_s, _ = best(lambda: [e.stat() for e in os.scandir(folder)], args.repeat)

        watcher = InstrumentWatcher(db, config, "bench1")
        state = WatcherState()
        pages = 0
        while True:  # learn every known file, page by page, as after a reset
            outcome = watcher.tick(state, now=1000)
            state, pages = outcome.state, pages + 1
            if not outcome.deferred:
                break
        assert not outcome.registered, "every file is already in the record"
        cursor = state.to_cursor()

        def quiet():
            before = counter.count
            out = InstrumentWatcher(db, config, "bench1").tick(WatcherState.from_cursor(cursor), now=2000)
            return counter.count - before, out

        quiet_s, (quiet_commands, _) = best(quiet, args.repeat)
        fresh_s, _ = best(lambda: InstrumentWatcher(db, config, "bench1").tick(WatcherState(), now=3000),
                          args.repeat)
        for i in range(100):
            (folder / f"new_{i:03d}.raw").write_bytes(b"y" * 50)
        busy_s, busy = best(lambda: InstrumentWatcher(db, config, "bench1").tick(
            WatcherState.from_cursor(cursor), now=4000), 1)
        print(f"{args.files} raw files in the folder, {args.documents} documents in raw_file, "
              f"cursor {len(cursor) / 1024:.0f} KiB; caught up after a reset in {pages} ticks")
        print("| tick | seconds | ratio to scandir+stat floor | database commands |")
        print("|---|---:|---:|---:|")
        print(f"| floor: scandir + stat of {args.files} entries | {floor_s:.3f} | 1.0 | - |")
        print(f"| quiet tick (nothing new) | {quiet_s:.3f} | {quiet_s / floor_s:.1f} | {quiet_commands} |")
        print(f"| fresh-cursor tick (one page of {config.timings.watcher_page_size} looked up) | {fresh_s:.3f} | "
              f"{fresh_s / floor_s:.1f} | - |")
        print(f"| busy tick ({len(busy.registered)} new files registered) | {busy_s:.3f} | "
              f"{busy_s / floor_s:.1f} | - |")
    finally:
        client.drop_database(db_name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
