"""Start the real Dagster daemon and webserver for an end-to-end test, and stop them (whole process groups)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.5) -> T:
    """Poll `predicate` until it returns something truthy; fail naming `what` and the last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last value: {last!r}")


class DagsterPlatform:
    """`dagster-daemon` and `dagster-webserver` on the test configuration, in their own process groups."""

    def __init__(self, workdir: Path, env: dict[str, str], dagster_yaml: Path | None = None):
        self.home = workdir / "dagster_home"
        self.logs = workdir / "logs"
        self.home.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        shutil.copy(dagster_yaml or ROOT / "dagster.yaml", self.home / "dagster.yaml")
        self.port = free_port()
        self.env = {**os.environ, "ENV": "test", "DAGSTER_HOME": str(self.home), **env}
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "wb")
        self.processes.append(
            subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        )

    def start(self, webserver: bool = True) -> DagsterPlatform:
        workspace = str(ROOT / "workspace.yaml")
        # the code location's start-up step, as run-platform.sh and the containers run it: it creates the storage
        # once (the daemon and the webserver do not race to create the same tables), sets the pools from the
        # configuration and creates the record's indexes
        startup = subprocess.run([str(VENV_BIN / "python"), "-m", "kraken_assets.instance_pools"], cwd=ROOT,
                                 env=self.env, capture_output=True, text=True)
        assert startup.returncode == 0, f"the start-up step failed:\n{startup.stdout}{startup.stderr}"
        self._spawn("daemon", [str(VENV_BIN / "dagster-daemon"), "run", "-w", workspace])
        if webserver:
            self._spawn("webserver", [str(VENV_BIN / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1",
                                      "-p", str(self.port)])
        return self

    def instance(self):
        from dagster import DagsterInstance

        return DagsterInstance.from_config(str(self.home))

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # code servers and run workers are in the same process groups; make sure none outlives the test
        for proc in self.processes:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@contextmanager
def running_platform(
    workdir: Path,
    services: dict[str, str],
    env: dict[str, str],
    *,
    database_prefix: str = "kt_e2e",
    dagster_yaml: Path | None = None,
    webserver: bool = False,
    before_start: Callable[[DagsterPlatform], None] | None = None,
) -> Iterator[tuple[DagsterPlatform, object]]:
    """A started platform on a fresh record database of its own: yields (platform, database), then cleans up."""
    import pymongo

    from kraken_core.record.connection import RECORD_CLIENT_OPTIONS

    database = f"{database_prefix}_{uuid.uuid4().hex[:8]}"
    full_env = {"MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": database,
                **env}
    running = DagsterPlatform(workdir, full_env, dagster_yaml=dagster_yaml)
    if before_start is not None:
        before_start(running)
    running.start(webserver=webserver)
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), **RECORD_CLIENT_OPTIONS)
    try:
        yield running, client[database]
    finally:
        running.stop()
        client.drop_database(database)
        client.close()
