"""Seven years of a large lab: 250,000 raw files in the record, and the partitions partition retirement keeps.

Seeds the record (the companion's realistic generator, one raw file every 14 minutes over about 6.7 years; kept
with --reuse), plans the first retirement over all 250,000 (`partitions.retire_after_days: 180`), and fills a
SQLite DAGSTER_HOME (the local/test storage) through the instance API with the kept partitions and a
`raw_file_backup` materialization for each final one. A second home also holds every retired partition again
("no retirement"). Then, each timed against a baseline of the same run:

- watcher tick with no new file (folder of --folder-files known raw files) vs `scandir` + `stat` of the folder;
- adding 100 partitions (what the daemon does for a watcher's request) vs reading the partition list;
- the GraphQL queries the asset page makes (`PartitionHealthQuery` of raw_file_backup, partition stats of the
  raw-file assets) on a running dagster-webserver vs `{ version }` on the same server;
- the companion overview page vs the bare indexed query of the last 2 days' raw file ids;
- a day's retirement (100 partitions) in steady state.
Target: each under 2 s.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-scale .venv/bin/python benchmarks/scale_250k.py [--raw-files 250000] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dagster as dg
import pymongo
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from pymongo import monitoring
from starlette.testclient import TestClient

from kraken_core.config.partitions import PartitionsConfig
from kraken_core.config.schema import KrakenConfig
from kraken_core.partition_retirement import FINAL, plan_retirement
from kraken_core.record.connection import MongoSettings
from kraken_core.watcher import InstrumentWatcher, WatcherState
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from tests.support.platform import ROOT, VENV_BIN, free_port, wait_for
from benchmarks.support import service_env
from tests.support.ui_record import INSTRUMENTS, seed_record

PARTITIONS = "raw_files"
RAW_FILE_ASSETS = ["raw_file", "raw_file_backup", "raw_file_s3", "alphadia_job", "alphadia_output", "quality_metrics"]
PARTITION_HEALTH = """query PartitionHealthQuery($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) { ... on AssetNode { id
    partitionKeysByDimension { name type partitionKeys }
    assetPartitionStatuses {
      ... on TimePartitionStatuses { ranges { status startKey endKey } }
      ... on DefaultPartitionStatuses { materializedPartitions materializingPartitions failedPartitions } } } } }"""
ASSET_KEYS = ", ".join(f'{{path: ["{a}"]}}' for a in RAW_FILE_ASSETS)
PARTITION_STATS = (f"{{ assetNodes(assetKeys: [{ASSET_KEYS}]) {{ assetKey {{ path }} partitionStats {{ "
                   "numMaterialized numMaterializing numFailed numPartitions } } }")


class Counter(monitoring.CommandListener):
    def __init__(self):
        self.names: list[str] = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def best(fn, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def row(name: str, seconds: float, baseline_name: str, baseline: float, extra: str = "") -> str:
    verdict = "yes" if seconds < 2 else "NO"
    return (f"| {name} | {seconds:.3f} | {baseline_name} | {baseline:.3f} | {seconds / max(baseline, 1e-6):.1f} | "
            f"{verdict} | {extra} |")


def materializations(keys: list[str]) -> list[EventLogEntry]:
    now = time.time()
    return [EventLogEntry(error_info=None, level="INFO", user_message="", run_id="", timestamp=now,
                          dagster_event=DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value,
                                                     job_name="__RUNLESS__",
                                                     event_specific_data=StepMaterializationData(
                                                         dg.AssetMaterialization("raw_file_backup", partition=k))))
            for k in keys]


def fill_home(home: Path, kept: list[str], final: set[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(home))
    instance.add_dynamic_partitions(PARTITIONS, kept)
    done = [k for k in kept if k in final]
    for start in range(0, len(done), 1000):
        instance.event_log_storage.store_event_batch(materializations(done[start : start + 1000]))
    instance.dispose()


class Webserver:
    def __init__(self, home: Path, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = open(log, "wb")  # noqa: SIM115 - the webserver writes to it until stop()
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "dagster-webserver"), "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1",
             "-p", str(self.port)], cwd=ROOT, env={**os.environ, **env, "DAGSTER_HOME": str(home)},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self._ready(), 300, "the webserver to load the code location", interval=2)

    def _ready(self) -> bool:
        try:
            answer = self.query('{ workspaceOrError { ... on Workspace { locationEntries { '
                                'locationOrLoadError { __typename } } } } }')
        except OSError:
            return False
        entries = answer["data"]["workspaceOrError"]["locationEntries"]
        return bool(entries) and entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation"

    def query(self, text: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise RuntimeError(answer["errors"])
        return answer

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def graphql_rows(label: str, home: Path, env: dict[str, str], work: Path, kept: int) -> list[str]:
    server = Webserver(home, env, work / f"webserver-{label}.log")
    try:
        version_s, _ = best(lambda: server.query("{ version }"))
        health_s, answer = best(lambda: server.query(PARTITION_HEALTH, {"assetKey": {"path": ["raw_file_backup"]}}))
        node = answer["data"]["assetNodeOrError"]
        partitions = len(node["partitionKeysByDimension"][0]["partitionKeys"])
        materialized = len(node["assetPartitionStatuses"]["materializedPartitions"])
        stats_s, _ = best(lambda: server.query(PARTITION_STATS))
    finally:
        server.stop()
    return [
        row(f"GraphQL PartitionHealthQuery raw_file_backup, {label} ({partitions:,} partitions, {materialized:,} "
            f"materialized)", health_s, "`{ version }`", version_s),
        row(f"GraphQL partitionStats of the 6 raw-file assets, {label}", stats_s, "`{ version }`", version_s),
    ]


def adding_row(label: str, home: Path) -> str:
    """Add 100 partitions (best of 3) as the daemon does for a watcher's request, then remove them again."""
    instance = dg.DagsterInstance.from_config(str(home))
    list_s, keys = best(lambda: instance.get_dynamic_partitions(PARTITIONS))
    added: list[str] = []

    def add_100():
        batch = [f"new_{time.time_ns()}_{i}.raw" for i in range(100)]
        added.extend(batch)
        instance.add_dynamic_partitions(PARTITIONS, batch)

    add_s, _ = best(add_100)
    for key in added:
        instance.delete_dynamic_partition(PARTITIONS, key)
    instance.dispose()
    return row(f"add 100 partitions, {label} ({len(keys):,} partitions)", add_s, "read the partition list", list_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-files", type=int, default=250_000)
    parser.add_argument("--folder-files", type=int, default=2_000)
    parser.add_argument("--retire-after-days", type=float, default=180)
    parser.add_argument("--database", default="bench_scale")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded record and Dagster homes")
    parser.add_argument("--work", default="/tmp/kts-scale/bench-scale")
    args = parser.parse_args()
    services = service_env()
    counter = Counter()
    client = pymongo.MongoClient(services.get("MONGO_HOST", "127.0.0.1"), int(services.get("MONGO_PORT", 27117)),
                                 tz_aware=True, event_listeners=[counter])
    db = client[args.database]
    work = Path(args.work)
    now = datetime.now(UTC)
    if not (args.reuse and db.raw_file.estimated_document_count() >= args.raw_files):
        client.drop_database(args.database)
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        seed_record(db, args.raw_files, now=now, spacing=timedelta(minutes=14))
        print(f"seeded {args.raw_files:,} raw files, {db.metrics.estimated_document_count():,} metrics documents in "
              f"{time.perf_counter() - started:.0f} s")
    work.mkdir(parents=True, exist_ok=True)
    docs = list(db.raw_file.find({}, {"_id": 1, "status": 1}))
    all_ids, final = [d["_id"] for d in docs], {d["_id"] for d in docs if d.get("status") in FINAL}
    settings = PartitionsConfig(retire_after_days=args.retire_after_days, retire_batch_size=10**9)
    plan_s, plan = best(lambda: plan_retirement(db, all_ids, set(), settings, now), 1)
    retired = set(plan.retire)
    kept = [rid for rid in all_ids if rid not in retired]
    print(f"first retirement plan over {len(all_ids):,} partitions: {len(retired):,} to retire, {len(kept):,} kept "
          f"({plan_s:.1f} s)")

    home_kept, home_all = work / "home-kept", work / "home-all"
    if not (args.reuse and (home_kept / "history").exists() and (home_all / "history").exists()):
        shutil.rmtree(home_kept, ignore_errors=True)
        shutil.rmtree(home_all, ignore_errors=True)
        started = time.perf_counter()
        fill_home(home_kept, kept, final)
        shutil.copytree(home_kept, home_all)
        every = dg.DagsterInstance.from_config(str(home_all))
        every.add_dynamic_partitions(PARTITIONS, sorted(retired))
        every.dispose()
        print(f"filled the Dagster homes in {time.perf_counter() - started:.0f} s")

    rows = []
    # watcher: a folder of known raw files of thermo1, newest of the record
    folder_root = work / "mounts"
    shutil.rmtree(folder_root, ignore_errors=True)
    folder = folder_root / "instruments" / "thermo1"
    folder.mkdir(parents=True)
    for sub in ("backup", "output", "instruments/bruker1", "instruments/sciex1"):
        (folder_root / sub).mkdir(parents=True, exist_ok=True)
    names = [d["original_name"] for d in db.raw_file.find({"instrument_id": "thermo1", "created_at": {
        "$gte": now - timedelta(days=120)}}, {"original_name": 1}).sort("created_at", -1).limit(args.folder_files)]
    for name in names:
        (folder / name).write_bytes(b"x" * 100)
    config = KrakenConfig.model_validate({
        "locations": {"instruments": {"path": str(folder_root / "instruments")},
                      "backup": {"path": str(folder_root / "backup")}, "output": {"path": str(folder_root / "output")}},
        "instruments": {i: {"type": {"raw": "thermo", "d": "bruker", "wiff": "sciex"}[s]}
                        for i, (s, _) in INSTRUMENTS.items()},
    })
    state, learn_started, ticks = WatcherState(), time.perf_counter(), 0
    while True:
        outcome = InstrumentWatcher(db, config, "thermo1").tick(state, now=1000)
        state, ticks = outcome.state, ticks + 1
        if not outcome.deferred:
            break
    learn_s = time.perf_counter() - learn_started
    assert not outcome.registered, "every file of the folder is in the record"
    cursor = state.to_cursor()
    floor_s, _ = best(lambda: [e.stat() for e in os.scandir(folder)])

    def quiet():
        before = len(counter.names)
        InstrumentWatcher(db, config, "thermo1").tick(WatcherState.from_cursor(cursor), now=2000)
        return counter.names[before:]

    quiet_s, commands = best(quiet)
    rows.append(row(f"watcher tick, no new file ({len(names):,} raw files in the folder)", quiet_s,
                    "scandir + stat", floor_s, f"database commands: {', '.join(commands) or 'none'}"))
    rows.append(row(f"watcher after a lost cursor: {ticks} ticks to relearn {len(names):,} files (total)", learn_s,
                    "scandir + stat", floor_s, "one `original_name $in` query per 100 names"))
    sample = names[:100]
    in_s, _ = best(lambda: list(db.raw_file.find({"original_name": {"$in": sample}}, {"_id": 1})))
    or_s, _ = best(lambda: list(db.raw_file.find({"$or": [{"original_name": n} for n in sample]}, {"_id": 1})))
    one_s, _ = best(lambda: [db.raw_file.find_one({"original_name": n}, {"_id": 1}) for n in sample])
    rows.append(row("record: 100 names by `original_name $in` (the watcher's lookup)", in_s,
                    "100 single indexed finds", one_s, f"`$or` of 100 equalities: {or_s:.3f} s"))

    # partitions: 100 new ones, as the daemon adds them for a watcher's request
    rows += [adding_row(label, home) for label, home in (("retirement", home_kept), ("no retirement", home_all))]

    # a day's retirement in steady state: 100 kept partitions became old
    day = sorted(k for k in kept if k in final)[:100]
    was = {d["_id"]: d["updated_at_"] for d in db.raw_file.find({"_id": {"$in": day}}, {"updated_at_": 1})}
    db.raw_file.update_many({"_id": {"$in": day}}, {"$set": {"updated_at_": now - timedelta(days=400)}})
    instance = dg.DagsterInstance.from_config(str(home_kept))

    def retire_day():
        keys = instance.get_dynamic_partitions(PARTITIONS)
        plan = plan_retirement(db, keys, set(), PartitionsConfig(retire_after_days=args.retire_after_days), now)
        for key in plan.retire:
            instance.delete_dynamic_partition(PARTITIONS, key)
        return plan

    day_s, day_plan = best(retire_day, 1)
    instance.add_dynamic_partitions(PARTITIONS, day_plan.retire)  # record and home as they were, for --reuse
    instance.dispose()
    db.raw_file.bulk_write([pymongo.UpdateOne({"_id": rid}, {"$set": {"updated_at_": at}}) for rid, at in was.items()])
    rows.append(row(f"retirement run in steady state ({len(day_plan.retire)} retired of {len(kept):,})", day_s,
                    "first plan over all partitions", plan_s, "not a 2 s target: a nightly job"))

    env = {"ENV": "test", "MOUNTS_PATH": str(folder_root), "MONGO_HOST": services.get("MONGO_HOST", "127.0.0.1"),
           "MONGO_PORT": services.get("MONGO_PORT", "27117"), "MONGO_DB": args.database}
    rows += graphql_rows("retirement", home_kept, env, work, len(kept))
    rows += graphql_rows("no retirement", home_all, env, work, len(all_ids))

    app = TestClient(build_app(CompanionSettings(mongo=MongoSettings(database=args.database),
                                                 webserver_base_url="http://127.0.0.1:3000",
                                                 instrument_vendors={i: config.instruments[i].type.value
                                                                     for i in config.instruments}), db))
    since = datetime.now(UTC) - timedelta(days=2)
    base_s, _ = best(lambda: list(db.raw_file.find({"created_at": {"$gte": since}}, {"_id": 1})))
    page_times = []
    for _ in range(3):
        started = time.perf_counter()
        assert app.get("/overview").status_code == 200
        page_times.append(time.perf_counter() - started)
    rows.append(row("companion /overview (2 days, all instruments)", statistics.median(page_times),
                    "indexed query of 2 days' ids", base_s))

    load = os.getloadavg()
    print(f"\n{len(all_ids):,} raw files in the record, {len(kept):,} partitions kept by retirement after "
          f"{args.retire_after_days:g} days; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| scenario | seconds | baseline | baseline s | ratio | under 2 s | notes |")
    print("|---|---:|---|---:|---:|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    tempfile.tempdir = "/tmp/kts-scale"
    main()
