"""Catch-up after downtime with the real Dagster daemon: --files finished raw files on three instruments.

The files are written before the daemon starts (the platform was down while the instruments kept acquiring).
The baseline is the floor any backup pays: the sum of plain copy times (`shutil.copyfile`) of the same files,
page cache warm; a second baseline adds md5 of the source and of the copy (a copy that proves itself). A tick
that finds a backlog requests catch-up runs of a batch of files each (`catch_up` section).

Measured: time from the daemon's start until every file is registered in the record, and until every backup is
done (`backup_status: copying_done`). When backups take longer than --max-wait, the remaining time is
extrapolated from the backup rate of the last 60 s and marked as such. Also reported: each run's start-up
(RUN_STARTING to RUN_START: a new process loads the code location) against its work per raw file (RUN_START to
RUN_SUCCESS over the files of the run), the highest number of runs at once (dagster.yaml allows 4, 2 per
instrument), whether any raw file was backed up twice (its `raw_file_backup` materializations), and whether each
instrument's files were requested newest first.

    KRAKEN_TEST_SERVICES_DIR=/tmp/kts-scale .venv/bin/python benchmarks/catch_up.py \
        [--files 5000] [--size 20000] [--max-wait 600]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dagster as dg
import pymongo

from kraken_assets.catch_up import BACKUP_OP_NAME, CATCH_UP_JOB_NAME
from tests.support.platform import DagsterPlatform
from benchmarks.support import service_env

INSTRUMENTS = {"thermo1": "raw", "bruker1": "d", "sciex1": "wiff"}
START = 1_700_000_000.0
RUN_STARTING, RUN_START, RUN_SUCCESS = dg.DagsterEventType.RUN_STARTING, dg.DagsterEventType.RUN_START, dg.DagsterEventType.RUN_SUCCESS
LIFE = {RUN_STARTING, RUN_START, RUN_SUCCESS}


def write_files(mounts: Path, count: int, size: int) -> dict[str, list[Path]]:
    """`count` finished acquisitions round-robin over the instruments, one second apart; files per raw file."""
    files: dict[str, list[Path]] = {}
    for i in range(count):
        instrument = list(INSTRUMENTS)[i % len(INSTRUMENTS)]
        folder = mounts / "instruments" / instrument
        stem = f"20231114_PRJ1_catchup_{i:05d}"
        if instrument == "thermo1":
            name, paths = f"{stem}.raw", [folder / f"{stem}.raw"]
        elif instrument == "bruker1":
            name = f"{stem}.d"
            (folder / name).mkdir()
            paths = [folder / name / "analysis.tdf_bin", folder / name / "analysis.tdf"]
        else:
            name, paths = f"{stem}.wiff", [folder / f"{stem}.wiff", folder / f"{stem}.wiff.scan"]
        for n, path in enumerate(paths):
            path.write_bytes(os.urandom(size if n == 0 else 4096))
            os.utime(path, (START + i, START + i))
        if instrument == "bruker1":
            os.utime(folder / name, (START + i, START + i))
        files[name] = paths
    return files


def copy_seconds(files: dict[str, list[Path]], scratch: Path, verify: bool = False) -> float:
    """Sum of plain copy times; with `verify`, a copy that proves itself: then md5 of the source and the copy."""
    total = 0.0
    for name, paths in files.items():
        target = scratch / name
        target.mkdir(parents=True)
        for path in paths:
            started = time.perf_counter()
            shutil.copyfile(path, target / path.name)
            if verify:
                with open(path, "rb") as a, open(target / path.name, "rb") as b:
                    assert hashlib.file_digest(a, "md5").digest() == hashlib.file_digest(b, "md5").digest()
            total += time.perf_counter() - started
    shutil.rmtree(scratch)
    return total


def run_files(record: dg.RunRecord) -> list[str]:
    """The raw files a run was requested for: its partition, or the batch of a catch-up run."""
    run = record.dagster_run
    if run.job_name == CATCH_UP_JOB_NAME:
        return run.run_config["ops"][BACKUP_OP_NAME]["config"]["raw_file_ids"]
    return [run.tags.get("dagster/partition", "")]


def run_facts(instance: dg.DagsterInstance, sample: int) -> dict:
    records = instance.get_run_records(filters=dg.RunsFilter(job_name="raw_file_pipeline"))
    records += instance.get_run_records(filters=dg.RunsFilter(job_name=CATCH_UP_JOB_NAME))
    records.sort(key=lambda r: r.create_timestamp)
    backups: Counter = Counter()
    cursor = None
    while True:
        page = instance.fetch_materializations(dg.AssetKey("raw_file_backup"), limit=5000, cursor=cursor)
        backups.update(r.partition_key for r in page.records)
        if not page.has_more:
            break
        cursor = page.cursor
    intervals = sorted((r.start_time, r.end_time) for r in records if r.start_time and r.end_time)
    at_once, ends = 0, []
    for start, end in intervals:
        ends = [e for e in ends if e > start] + [end]
        at_once = max(at_once, len(ends))
    boots, works = [], []
    for record in [r for r in records if r.end_time][:sample]:
        stamps = {}
        for entry in instance.all_logs(record.dagster_run.run_id):
            if entry.dagster_event and entry.dagster_event.event_type in LIFE:
                stamps[entry.dagster_event.event_type] = entry.timestamp
        if len(stamps) == len(LIFE):
            boots.append(stamps[RUN_START] - stamps[RUN_STARTING])
            works.append((stamps[RUN_SUCCESS] - stamps[RUN_START]) / max(len(run_files(record)), 1))
    by_instrument: dict[str, list[str]] = {}
    for r in records:
        by_instrument.setdefault(r.dagster_run.tags.get("instrument", "?"), []).extend(run_files(r))
    newest_first = {instrument: order == sorted(order, reverse=True) for instrument, order in by_instrument.items()}
    return {"runs": len(records), "catch_up_runs": sum(r.dagster_run.job_name == CATCH_UP_JOB_NAME for r in records),
            "doubled": sum(1 for n in backups.values() if n > 1), "recorded": len(backups), "at_once": at_once,
            "boot": statistics.median(boots) if boots else None, "work": statistics.median(works) if works else None,
            "newest_first": newest_first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--size", type=int, default=20_000, help="bytes of each main file")
    parser.add_argument("--max-wait", type=float, default=600, help="seconds to wait for backups after registration")
    parser.add_argument("--dagster-yaml", type=Path, default=None, help="instance settings instead of dagster.yaml")
    args = parser.parse_args()
    services = service_env()
    work = Path(tempfile.mkdtemp(prefix="catch-up-", dir=os.environ.get("KRAKEN_TEST_SERVICES_DIR")))
    mounts = work / "mounts"
    for sub in [*(f"instruments/{i}" for i in INSTRUMENTS), "backup", "output"]:
        (mounts / sub).mkdir(parents=True)
    files = write_files(mounts, args.files, args.size)
    floor = copy_seconds(files, work / "plain-copies")
    verified_floor = copy_seconds(files, work / "verified-copies", verify=True)
    database = f"bench_catch_up_{uuid.uuid4().hex[:6]}"
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
    db = client[database]
    env = {"MOUNTS_PATH": str(mounts), "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
           "MONGO_DB": database}
    platform = DagsterPlatform(work, env, dagster_yaml=args.dagster_yaml)
    started = time.monotonic()
    platform.start(webserver=False)
    registered_at = backups_at = None
    rate_window: list[tuple[float, int]] = []
    extrapolated = False
    try:
        while True:
            elapsed = time.monotonic() - started
            registered = db.raw_file.count_documents({})
            done = len(list(db.raw_file.find({"backup_status": "copying_done"}, {"_id": 1})))
            rate_window = [(t, n) for t, n in rate_window if t > elapsed - 60] + [(elapsed, done)]
            if registered_at is None and registered >= args.files:
                registered_at = elapsed
                print(f"{elapsed:.0f} s: all {registered} raw files registered", flush=True)
            if done >= args.files:
                backups_at = elapsed
                break
            if registered_at is not None and elapsed - registered_at > args.max_wait:
                (t0, n0), (t1, n1) = rate_window[0], rate_window[-1]
                rate = (n1 - n0) / max(t1 - t0, 1e-6)
                backups_at = elapsed + (args.files - done) / rate if rate > 0 else float("inf")
                extrapolated = True
                print(f"{elapsed:.0f} s: {done} of {args.files} backups done at {rate:.2f}/s; extrapolating", flush=True)
                break
            if elapsed > 3 * 3600:
                raise SystemExit("gave up after 3 hours")
            time.sleep(2)
        facts = run_facts(platform.instance(), 40)
        statuses = Counter(d.get("status") for d in db.raw_file.find({}, {"status": 1}))
    finally:
        platform.stop()
        client.drop_database(database)
        client.close()
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    mark = " (extrapolated)" if extrapolated else ""
    print(f"\n{args.files:,} raw files ({args.size:,}-byte main files) on {len(INSTRUMENTS)} instruments, instance "
          f"settings {args.dagster_yaml or 'dagster.yaml'}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| measure | seconds | ratio to the plain-copy floor |")
    print("|---|---:|---:|")
    print(f"| floor: sum of plain copy times of the same files | {floor:.2f} | 1.0 |")
    print(f"| plain copies, then md5 of source and copy | {verified_floor:.2f} | {verified_floor / floor:.1f} |")
    print(f"| daemon start until every file is registered | {registered_at:.1f} | {registered_at / floor:.1f} |")
    print(f"| daemon start until every backup is done{mark} | {backups_at:.0f} | {backups_at / floor:.1f} |")
    boot, run_work = facts["boot"], facts["work"]
    print(f"\nruns: {facts['runs']:,} ({facts['catch_up_runs']:,} catch-up batches), raw files with a recorded backup "
          f"materialization: {facts['recorded']:,}, backed up twice: {facts['doubled']}, most runs at once: "
          f"{facts['at_once']}, requested newest first per instrument: {facts['newest_first']}")
    if boot is not None:
        print(f"median run start-up (RUN_STARTING to RUN_START): {boot:.2f} s; median run work per raw file "
              f"(RUN_START to RUN_SUCCESS over the files of the run): {run_work:.3f} s")
    print(f"statuses: {dict(statuses)}")


if __name__ == "__main__":
    main()
