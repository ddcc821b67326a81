"""The test cluster as the quantification tests see it: folders under two paths, the fake AlphaDIA installed.

Workers use `$QUANT_WORKER_SHARES/<id>/...`; the cluster (the SSH test user) sees the same folders as
`$QUANT_CLUSTER_SHARES/<id>/...` (a bind mount) and cannot reach the workers' path at all.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from kraken_core.raw_file_backup import RawFileLocation, backup_base_path

HERE = Path(__file__).resolve().parents[1] / "quanting"
FOLDERS = ("backup", "output", "settings", "slurm", "software")
SOFTWARE = "alphadia-2.3.0"
# a tool in the software folder (locations.software), as quanting.tools names it
SOFTWARE_TOOL = "fake_tool-1.0/run_tool"
FAKE_TOOL = """#!/bin/sh
# a QC tool of the software folder: records the words it was given (one a line) and the files beside the raw file
# it opens, and writes one metric
out=""; raw=""; previous=""
for word in "$@"; do
  [ "$previous" = "--out" ] && out="$word"; [ "$previous" = "--raw" ] && raw="$word"; previous="$word"
done
printf '%s\\n' "$@" > "$out/tool_args.txt" && ls -- "$(dirname -- "$raw")" > "$out/raw_folder.txt" \\
  && printf '{"peaks": 42}' > "$out/metrics.json"
"""
# its entry in quanting.tools: AlphaKraken's tokens and one declared parameter
QC_TOOL = {"software_type": "custom", "executable": SOFTWARE_TOOL,
           "arguments": "--raw RAW_FILE_PATH --out OUTPUT_PATH --threads NUM_THREADS --fasta FASTA_PATH "
                        "--project PROJECT_ID --mode MODE",
           "parameters": {"mode": {"type": "choice", "values": ["fast", "full"], "default": "fast"}}}


@dataclass
class ClusterLayout:
    worker_root: Path
    cluster_root: Path

    def worker(self, name: str) -> Path:
        return self.worker_root / name

    def cluster(self, name: str) -> Path:
        return self.cluster_root / name

    def locations(self) -> dict:
        return {name: {"path": str(self.worker(name)), "absolute_path": str(self.cluster(name))} for name in FOLDERS}

    @property
    def conda_envs_dir(self) -> str:
        return str(self.cluster("slurm") / "envs")

    def remove(self) -> None:
        shutil.rmtree(self.worker_root, ignore_errors=True)


def require_cluster(services: dict) -> None:
    import pytest

    for key in ("QUANT_WORKER_SHARES", "SSH_PORT", "SLURM_CONF"):
        if key not in services:
            pytest.fail(f"the test cluster is not running ({key} missing): start it with "
                        f"KRAKEN_TEST_SERVICES='mongo slurm sshd' tests/services/services.sh start")


def install_fake_alphadia(env: Path) -> Path:
    """Install the fake `alphadia` as a conda-like environment at `env`; returns the executable."""
    (env / "bin").mkdir(parents=True)
    shutil.copyfile(HERE / "fake_alphadia.py", env / "bin" / "alphadia")
    os.chmod(env / "bin" / "alphadia", 0o755)
    share = env / "share" / "fake_alphadia"
    share.mkdir(parents=True)
    table = pd.DataFrame({
        "precursor.sequence": ["AAAK", "CCCCCK", "DDDR", "EEEEEEEK"],
        "precursor.charge": [2, 3, 2, 2],
        "precursor.proba": [0.001, 0.002, 0.003, 0.004],
        "precursor.intensity": [1000.0, 2000.0, 3000.0, 4000.0],
        "pg.intensity": [5000.0, 5000.0, 6000.0, 6000.0],
        "pg.proteins": ["P1", "P1", "P2", "P2"],
    })
    table.to_parquet(share / "precursors.parquet")
    table.iloc[0:0].to_parquet(share / "precursors_empty.parquet")
    for path in [env, *env.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() or path.name == "alphadia" else 0o644)
    return env / "bin" / "alphadia"


def install_software_tool(software: Path) -> Path:
    """The fake tool at `<software folder>/SOFTWARE_TOOL`, readable and executable by the cluster user."""
    tool = software / SOFTWARE_TOOL
    tool.parent.mkdir(parents=True)
    tool.write_text(FAKE_TOOL)
    for path in (tool.parent, tool):
        os.chmod(path, 0o755)
    return tool


def make_cluster_layout(services: dict) -> ClusterLayout:
    require_cluster(services)
    name = f"q{uuid.uuid4().hex[:10]}"
    layout = ClusterLayout(Path(services["QUANT_WORKER_SHARES"]) / name, Path(services["QUANT_CLUSTER_SHARES"]) / name)
    for folder in FOLDERS:
        layout.worker(folder).mkdir(parents=True)
    os.chmod(layout.worker_root, 0o755)
    for folder in ("output", "slurm"):  # the cluster user writes here
        os.chmod(layout.worker(folder), 0o777)
    for folder in ("backup", "settings", "software"):
        os.chmod(layout.worker(folder), 0o755)
    install_fake_alphadia(layout.worker("slurm") / "envs" / SOFTWARE)
    install_software_tool(layout.worker("software"))
    return layout


def write_settings_files(layout: ClusterLayout, settings_name: str) -> None:
    folder = layout.worker("settings") / settings_name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text("general:\n  thread_count: 1\n")
    (folder / "library.speclib.hdf").write_bytes(b"speclib")
    (folder / "human.fasta").write_text(">P1\nAAAKCCCCCK\n")
    for path in [folder, *folder.iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def quanting_section(services: dict, layout: ClusterLayout, hosts: list[str] | None = None, **overrides) -> dict:
    return {
        "enabled": True,
        "ssh_hosts": hosts or [f"{services['SSH_HOST']}:{services['SSH_PORT']}"],
        "ssh_user": services["SSH_USER"],
        "ssh_key_file": services["SSH_KEY_PATH"],
        "known_hosts_file": services["SSH_KNOWN_HOSTS"],
        "ssh_connect_timeout_s": 5,
        "ssh_retries": 1,
        "ssh_backoff_s": 0.2,
        "conda_envs_dir": layout.conda_envs_dir,
        "job_sensor_interval_s": 2,
        "results_retry_after_s": 30,
        **overrides,
    }


def place_backed_up_raw_file(config, name: str, **fields) -> dict:
    """A raw file document as the backup leaves it, with its backup copy readable by the cluster user."""
    doc = {"_id": name, "original_name": name, "instrument_id": "thermo1", "collision_flag": None,
           "project_id": "PRJ1", "created_at": datetime(2026, 11, 2, tzinfo=UTC), "size": 10,
           "status": "queued_for_quanting", **fields}
    folder = backup_base_path(config, RawFileLocation.from_doc(doc))
    folder.mkdir(parents=True, exist_ok=True)
    for path in (folder.parent, folder):
        os.chmod(path, 0o755)
    (folder / name).write_bytes(b"0123456789")
    os.chmod(folder / name, 0o644)
    return doc


def quanting_resources(config, services: dict, database: str, config_file: Path) -> dict:
    """The quantification assets' resources: this test's configuration (written to `config_file`), its own record
    database and the test cluster."""
    from kraken_resources import KrakenConfigResource, MongoResource
    from kraken_resources.slurm import build_slurm_resource

    config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    return {
        "kraken_config": KrakenConfigResource(env="test", config_file=str(config_file)),
        "mongo": MongoResource(host=services["MONGO_HOST"], port=int(services["MONGO_PORT"]), database=database),
        "slurm": build_slurm_resource(config),
    }


def wait_for_job_end(cluster, job_id: str, timeout: float = 60):
    """The Slurm job's final state, polled through the cluster session until it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = cluster.job_states([job_id])[job_id]
        if state.ended:
            return state
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


def write_platform_config(tmp_path: Path, services: dict, mounts: Path, layout: ClusterLayout, database: str,
                          quanting: dict) -> dict[str, str]:
    """envs/test.env and envs/alphakraken.test.yaml of an end-to-end platform quantifying on the test cluster (one
    Thermo instrument `thermo1`, project PRJ1, the layout's folders, this `quanting` section); returns the
    environment to start it with."""
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "test.env").write_text(f"MONGO_HOST={services['MONGO_HOST']}\nMONGO_DB={database}\n")
    config = {
        "timings": {"watcher_interval_s": 1, "size_stable_window_s": 3, "heartbeat_interval_s": 30},
        "locations": {"instruments": {"path": str(mounts / "instruments")}, **layout.locations()},
        "instruments": {"thermo1": {"type": "thermo"}},
        "project_ids": ["PRJ1"],
        "quanting": quanting,
    }
    (envs / "alphakraken.test.yaml").write_text(yaml.safe_dump(config))
    return {"KRAKEN_ENVS_DIR": str(envs), "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": database,
            "MOUNTS_PATH": str(mounts)}


# the demo's simulated AlphaDIA as a tool of the software folder (kraken_core/demo/simulated_alphadia.py)
SIMULATED_TOOL = {"software_type": "alphadia", "executable": "simulated_alphadia/alphadia",
                  "arguments": "--file RAW_FILE_PATH --output OUTPUT_PATH --threads NUM_THREADS"}


def write_local_engine_config(tmp_path: Path, services: dict, mounts: Path,
                              database_prefix: str) -> tuple[dict[str, str], ClusterLayout, str]:
    """The configuration of an end-to-end platform quantifying with the local job engine (no Slurm, no SSH) and
    the simulated AlphaDIA; returns (environment, layout, record database name)."""
    from kraken_core.demo import setup as demo

    # absolute_path names a cluster folder that does not exist here: the local engine must use the workers' paths
    layout = ClusterLayout(tmp_path / "shares", Path("/nonexistent-cluster") / uuid.uuid4().hex)
    for folder in FOLDERS:
        layout.worker(folder).mkdir(parents=True)
    database = f"{database_prefix}_{uuid.uuid4().hex[:8]}"
    quanting = {"enabled": True, "engine": "local", "local": {"max_parallel_jobs": 1}, "job_sensor_interval_s": 2,
                "results_retry_after_s": 120, "tools": {demo.TOOL_NAME: SIMULATED_TOOL}}
    return write_platform_config(tmp_path, services, mounts, layout, database, quanting), layout, database
