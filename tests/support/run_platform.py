"""`scripts/run-platform.sh` (what `make run` and `make demo` start) as a real process: its environment with a
temporary KRAKEN_RUN_DIR and free ports, the processes it started (found in /proc), and its ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.platform import ROOT, free_port, wait_for

SCRIPT = ROOT / "scripts" / "run-platform.sh"
PORT_VARIABLES = ("DAGSTER_WEBSERVER_PORT", "KRAKEN_COMPANION_PORT", "KRAKEN_LOCAL_MONGO_PORT")
# what every start runs; the demo adds the simulator
STARTED_PROCESSES = ("dagster dev", "dagster_webserver", "dagster._daemon", "dagster api grpc",
                     "kraken_ui_ext.companion", "nx-27017")


def free_ports() -> dict[str, int]:
    """Three different free ports for the Dagster UI, the companion app and the local MongoDB server."""
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    return dict(zip(PORT_VARIABLES, sorted(ports)))


def platform_env(run_dir: Path, stop_timeout_s: int = 20, **ports: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"MONGO_HOST", "MONGO_PORT", "DAGSTER_HOME", "MOUNTS_PATH", "KRAKEN_WEBAPP_PASSWORD",
                        "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    env.update({"ENV": "local", "KRAKEN_RUN_DIR": str(run_dir), "KRAKEN_STOP_TIMEOUT_S": str(stop_timeout_s)})
    env.update({name: str(port) for name, port in ports.items()})
    return env


def processes_of(run_dir: Path, session: int = -1) -> dict[int, str]:
    """pid -> command line of every live process of an instance: in `session`, with its KRAKEN_RUN_DIR in the
    environment (everything the script starts), or with the run folder on the command line (local jobs, which get a
    minimal environment)."""
    marker = f"KRAKEN_RUN_DIR={run_dir}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        state, _ppid, _pgid, sid = stat.rsplit(")", 1)[1].split()[:4]
        if state != "Z" and (marker in environ or int(sid) == session or str(run_dir) in cmdline):
            found[int(entry.name)] = cmdline
    return found


def kill_all(run_dir: Path) -> None:
    """SIGKILL whatever of an instance is left (after a failed test)."""
    for pid in processes_of(run_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@dataclass
class Instance:
    """One started `make demo` / run-platform.sh: its process (the leader of a new session), ports and log."""

    process: subprocess.Popen
    run_dir: Path
    ports: dict[str, int]
    log: Path
    wanted: tuple[str, ...] = field(default=STARTED_PROCESSES)

    @property
    def dagster_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['DAGSTER_WEBSERVER_PORT']}"

    @property
    def companion_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['KRAKEN_COMPANION_PORT']}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_up(self, timeout_s: float = 180) -> None:
        """The Dagster UI and the companion answer, and every wanted process runs."""
        def up():
            return self.process.poll() is not None or (
                answers(f"{self.dagster_url}/server_info") and answers(f"{self.companion_url}/login"))

        wait_for(up, timeout_s, "the Dagster UI and the companion app to answer")
        assert self.process.poll() is None, f"the platform exited early:\n{self.output()[-3000:]}"

        def started():
            commands = " | ".join(processes_of(self.run_dir, self.process.pid).values())
            return commands if all(w in commands for w in self.wanted) else None

        wait_for(started, 60, f"the processes {', '.join(self.wanted)}")

    def wait_until_stopped(self, timeout_s: float) -> None:
        wait_for(lambda: self.process.poll() is not None and not processes_of(self.run_dir, self.process.pid),
                 timeout_s, "the platform and every process it started to exit", interval=0.2)

    def taken_ports(self) -> list[str]:
        return [f"{name}={port}" for name, port in self.ports.items() if not port_free(port)]


def start_instance(command: list[str], run_dir: Path, log: Path, ports: dict[str, int] | None = None,
                   wanted: tuple[str, ...] = STARTED_PROCESSES, **env: str) -> Instance:
    """Start `command` in the repository as the leader of a new session (as a terminal or `setsid` would)."""
    ports = ports or free_ports()
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**platform_env(run_dir, **ports), **env}, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    return Instance(process, run_dir, ports, log, wanted)
