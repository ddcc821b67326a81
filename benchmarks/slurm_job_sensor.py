"""The Slurm job sensor's tick with many open jobs, against a per-job query baseline measured in the same run.

Holds N real jobs on the test cluster (`sbatch --hold`: they stay PENDING and cost nothing), records them in a
fresh MongoDB database as N raw files in status `quanting`, then times:
  - the real `slurm_jobs` sensor tick (record query, one SSH connection, one batched `scontrol` call, state
    bookkeeping), and counts its SSH round trips;
  - a baseline asking Slurm about each job on its own (`scontrol -o show job ID`, one round trip per job, all on
    one already-open connection, which flatters the baseline).
Targets: 1 round trip per tick, tick under 2 s on loopback for 500 jobs; the ratio baseline / tick.

Needs the test cluster: `KRAKEN_TEST_SERVICES="mongo slurm sshd" tests/services/services.sh start`, then
`.venv/bin/python -m benchmarks.slurm_job_sensor [--jobs 500] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pymongo
import yaml

from kraken_core import slurm
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.slurm import build_slurm_resource
from kraken_sensors.slurm_jobs import build_slurm_job_sensor
from tests.support.quanting import make_cluster_layout, quanting_section
from benchmarks.support import service_env


def hold_jobs(cluster, count: int) -> list[str]:
    command = (f"for i in $(seq {int(count)}); do sbatch --parsable --hold --job-name=ak_bench "
               f"--output=/dev/null --wrap true || exit 1; done")
    return [slurm.parse_sbatch(line) for line in cluster.ssh.run(command, timeout=600).stdout.split()]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    services = service_env()
    layout = make_cluster_layout(services)
    workdir = Path(tempfile.mkdtemp(prefix="kraken-bench-"))
    database = f"bench_{uuid.uuid4().hex[:8]}"
    config = {
        "locations": {"instruments": {"path": str(workdir / "instruments")}, **layout.locations()},
        "instruments": {"thermo1": {"type": "thermo"}},
        "quanting": quanting_section(services, layout),
    }
    config_file = workdir / "alphakraken.yaml"
    config_file.write_text(yaml.safe_dump(config))
    kraken_config = KrakenConfigResource(env="test", config_file=str(config_file))
    slurm_resource = build_slurm_resource(kraken_config.get())
    mongo = MongoResource(host=services["MONGO_HOST"], port=int(services["MONGO_PORT"]), database=database)
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]))
    db = client[database]
    sensor = build_slurm_job_sensor(kraken_config.get(), job=None)
    job_ids: list[str] = []
    try:
        with slurm_resource.session() as cluster:
            started = time.perf_counter()
            job_ids = hold_jobs(cluster, args.jobs)
            print(f"held {len(job_ids)} jobs in {time.perf_counter() - started:.1f} s")
        now = datetime.now(UTC)
        db.raw_file.insert_many([
            {"_id": f"bench_{i}.raw", "status": "quanting", "instrument_id": "thermo1", "created_at": now,
             "quanting_jobs": [{"job_id": job_id, "state": "PENDING", "ended_at": None}]}
            for i, job_id in enumerate(job_ids)
        ])
        resources = {"kraken_config": kraken_config, "mongo": mongo, "slurm": slurm_resource}
        ticks, baselines = [], []
        for _ in range(args.rounds):
            with dg.build_sensor_context(resources=resources) as context:
                started = time.perf_counter()
                result = sensor(context)
                ticks.append(time.perf_counter() - started)
            assert isinstance(result, dg.SkipReason) and f"{len(job_ids)} job(s) still running" in result.skip_message
            with slurm_resource.session() as cluster:
                started = time.perf_counter()
                for job_id in job_ids:
                    slurm.parse_scontrol(cluster.ssh.run(f"scontrol -o show job {job_id}").stdout)
                baselines.append(time.perf_counter() - started)
        with slurm_resource.session() as cluster:
            states = cluster.job_states(job_ids)
            round_trips = cluster.ssh.round_trips
        assert all(state.state == "PENDING" for state in states.values())
    finally:
        if job_ids:
            with slurm_resource.session() as cluster:
                for start in range(0, len(job_ids), 200):
                    cluster.ssh.run("scancel " + " ".join(job_ids[start:start + 200]), check=False)
        client.drop_database(database)
        client.close()
        layout.remove()
    tick, baseline = statistics.median(ticks), statistics.median(baselines)
    print(f"open jobs: {len(job_ids)}")
    print(f"sensor tick: median {tick:.3f} s over {args.rounds} rounds ({', '.join(f'{t:.3f}' for t in ticks)}); "
          f"SSH round trips per batched query: {round_trips}")
    print(f"per-job baseline: median {baseline:.3f} s ({len(job_ids)} round trips)")
    print(f"ratio baseline / tick: {baseline / tick:.1f}x")
    ok = round_trips == 1 and tick < 2.0
    print("targets (1 round trip, tick < 2 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
