"""`scripts/run-platform.sh` (what `make run` starts) as a real process: it stops everything it started, however
many INT/TERM signals arrive during the stop, and it refuses ports another instance already uses.

Every process the script starts inherits KRAKEN_RUN_DIR (a temp folder per test), so the tests find them all in
/proc, including the daemonized MongoDB wire server, which leaves the script's session.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.platform import ROOT, free_port, wait_for

pytestmark = pytest.mark.e2e

SCRIPT = ROOT / "scripts" / "run-platform.sh"
STOP_TIMEOUT_S = 20  # KRAKEN_STOP_TIMEOUT_S: each process group gets this long after SIGTERM before SIGKILL
STOP_BOUND_S = 2 * STOP_TIMEOUT_S + 10  # the Dagster and companion groups, then the database server, then slack


def free_ports() -> dict[str, int]:
    """Three different free ports for the Dagster UI, the companion app and the local MongoDB server."""
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    return dict(zip(("DAGSTER_WEBSERVER_PORT", "KRAKEN_COMPANION_PORT", "KRAKEN_LOCAL_MONGO_PORT"), sorted(ports)))


def platform_env(run_dir: Path, **ports: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"MONGO_HOST", "MONGO_PORT", "DAGSTER_HOME", "MOUNTS_PATH", "KRAKEN_WEBAPP_PASSWORD"}}
    env.update({"ENV": "local", "KRAKEN_RUN_DIR": str(run_dir), "KRAKEN_STOP_TIMEOUT_S": str(STOP_TIMEOUT_S)})
    env.update({name: str(port) for name, port in ports.items()})
    return env


def processes_of(run_dir: Path, session: int) -> dict[int, str]:
    """pid -> command line of every live process started by the script: its session, or its KRAKEN_RUN_DIR."""
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
        if state != "Z" and (marker in environ or int(sid) == session):
            found[int(entry.name)] = cmdline
    return found


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


@pytest.fixture
def run_dir(tmp_path):
    """The script's KRAKEN_RUN_DIR; whatever a failed test leaves running of it is killed afterwards."""
    folder = tmp_path / "run"
    yield folder
    for pid in processes_of(folder, session=-1):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_repeated_term_during_the_stop_still_stops_every_process(run_dir, tmp_path):
    ports = free_ports()
    log = tmp_path / "run-platform.log"
    with log.open("wb") as out:
        script = subprocess.Popen([str(SCRIPT)], cwd=ROOT, env=platform_env(run_dir, **ports), stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        webserver = f"http://127.0.0.1:{ports['DAGSTER_WEBSERVER_PORT']}/server_info"
        # about 30 s on an idle 2-core machine; the bound leaves room for a machine busy with other tests
        wait_for(lambda: answers(webserver) or script.poll() is not None, 120, "the Dagster webserver to answer")
        assert script.poll() is None, f"run-platform.sh exited early:\n{log.read_text()[-3000:]}"

        def started():
            commands = " | ".join(processes_of(run_dir, script.pid).values())
            wanted = ("dagster dev", "dagster_webserver", "dagster._daemon", "dagster api grpc",
                      "kraken_ui_ext.companion", "nx-27017")
            return commands if all(w in commands for w in wanted) else None

        wait_for(started, 30, "dagster dev, its webserver, daemon and code server, the companion and nx-27017")
        # the configuration follows the ports: the companion links to this Dagster UI and uses this database
        links = (f"companion app: http://127.0.0.1:{ports['KRAKEN_COMPANION_PORT']} (record "
                 f"mongodb://127.0.0.1:{ports['KRAKEN_LOCAL_MONGO_PORT']}/krakendb, "
                 f"Dagster UI http://127.0.0.1:{ports['DAGSTER_WEBSERVER_PORT']})")
        wait_for(lambda: links in log.read_text(), 30, "the companion app to report its links")

        stop_started = time.monotonic()
        os.kill(script.pid, signal.SIGTERM)
        wait_for(lambda: "run-platform: stopping" in log.read_text(), 10, "the script to start stopping")
        alive_during_stop = processes_of(run_dir, script.pid)
        # an impatient supervisor, and Ctrl-C twice (the terminal signals the script's process group, not the
        # children, which lead groups of their own)
        for send in (lambda: os.kill(script.pid, signal.SIGTERM), lambda: os.killpg(script.pid, signal.SIGINT),
                     lambda: os.killpg(script.pid, signal.SIGINT), lambda: os.kill(script.pid, signal.SIGTERM)):
            send()
            time.sleep(0.3)

        wait_for(lambda: script.poll() is not None and not processes_of(run_dir, script.pid), STOP_BOUND_S,
                 "run-platform.sh and every process it started to exit", interval=0.2)
        took = time.monotonic() - stop_started
        print(f"run-platform.sh stopped everything {took:.1f} s after the first SIGTERM")
    except AssertionError:
        print(log.read_text()[-3000:])
        raise
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
    text = log.read_text()
    assert any("dagster" in c for c in alive_during_stop.values()), "the extra signals came after the stop"
    assert "already stopping" in text
    assert "stopped in" in text
    assert script.returncode == 143
    taken = [f"{name}={port}" for name, port in ports.items() if not port_free(port)]
    assert not taken, f"ports still in use after the stop: {taken}"
    assert not (run_dir / "mongo" / "pid").exists()


@pytest.mark.parametrize("variable", ["DAGSTER_WEBSERVER_PORT", "KRAKEN_COMPANION_PORT", "KRAKEN_LOCAL_MONGO_PORT"])
def test_a_taken_port_refuses_the_start_naming_the_port_and_the_variable(run_dir, variable):
    ports = free_ports()
    with socket.socket() as other_instance:
        other_instance.bind(("127.0.0.1", ports[variable]))
        other_instance.listen()
        result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=platform_env(run_dir, **ports), capture_output=True,
                                text=True, timeout=60, start_new_session=True)
    assert result.returncode == 1
    assert f"port {ports[variable]} " in result.stderr and "already in use" in result.stderr
    assert f"set {variable} to a free port" in result.stderr
    assert not processes_of(run_dir, session=-1), "nothing may be started when a port is taken"
    assert all(port_free(p) for name, p in ports.items() if name != variable)
