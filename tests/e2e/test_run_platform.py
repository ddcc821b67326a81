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

import pytest

from tests.support.platform import ROOT, wait_for
from tests.support.run_platform import SCRIPT, answers, free_ports, kill_all, platform_env, port_free, processes_of

pytestmark = pytest.mark.e2e

STOP_TIMEOUT_S = 20  # platform_env's KRAKEN_STOP_TIMEOUT_S: each process group gets this long before SIGKILL
STOP_BOUND_S = 2 * STOP_TIMEOUT_S + 10  # the Dagster and companion groups, then the database server, then slack


@pytest.fixture
def run_dir(tmp_path):
    """The script's KRAKEN_RUN_DIR; whatever a failed test leaves running of it is killed afterwards."""
    folder = tmp_path / "run"
    yield folder
    kill_all(folder)


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
