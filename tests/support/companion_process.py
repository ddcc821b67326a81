"""The companion app started as operators start it (`python -m kraken_ui_ext.companion`) on a test record, for
browser tests and screenshot scripts; optionally with a QC configuration added to the test environment's YAML."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.support.platform import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def envs_with_qc(folder: Path, qc: Mapping[str, Any]) -> Path:
    """A copy of envs/ whose test configuration has `qc`; point KRAKEN_ENVS_DIR at it."""
    envs = folder / "envs"
    shutil.copytree(ROOT / "envs", envs, dirs_exist_ok=True)
    config_path = envs / "alphakraken.test.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["qc"] = dict(qc)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return envs


@contextmanager
def running_companion(services: Mapping[str, str], database: str, folder: Path,
                      extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Yields the app's base URL; the app is stopped (its process group) when the block ends."""
    port = free_port()
    env = {**os.environ, "ENV": "test", "MOUNTS_PATH": str(folder), "MONGO_HOST": services["MONGO_HOST"],
           "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": database, "KRAKEN_COMPANION_PORT": str(port),
           **(extra_env or {})}
    log_path = folder / "companion.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "kraken_ui_ext.companion"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"companion app exited: {log_path.read_text()}")
            try:
                return urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200
            except OSError:
                return False

        try:
            wait_for(healthy, 30, "the companion app to answer /healthz")
            yield base
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
