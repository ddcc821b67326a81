"""`make demo` started as a person starts it, in a session of its own with make as the group leader, stopped by
signals to that whole process group: TERM, TERM twice, Ctrl-C (SIGINT), and TERM while the output goes through a pipe
whose reader the same signal ends (`make demo | tee demo.log`). Nothing it started may be left: Dagster's processes,
the companion app, the simulator, the MongoDB wire server (daemonized, it leaves the session) and local
quantification jobs (detached runners); their ports are free again.

A second instance on the same KRAKEN_RUN_DIR is refused while the first runs, and a run folder left by an instance
that died without its stop is taken over, its orphaned database server stopped.

make runs with `-o .venv/.installed`: the shared virtual environment is not reinstalled when pyproject.toml is newer.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest

from tests.support.platform import ROOT, VENV_BIN, wait_for
from tests.support.run_platform import (
    SCRIPT, STARTED_PROCESSES, Instance, free_ports, kill_all, platform_env, processes_of, start_instance,
)

pytestmark = pytest.mark.e2e

MAKE_DEMO = ["make", "--no-print-directory", "-o", ".venv/.installed", "demo"]
DEMO_PROCESSES = (*STARTED_PROCESSES, "kraken_core.simulator")
STOP_BOUND_S = 2 * 20 + 15  # Dagster's groups (KRAKEN_STOP_TIMEOUT_S=20), local jobs, the database server


@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "run"
    yield folder
    kill_all(folder)


def stop_and_check(demo: Instance, *signals: int, pause_s: float = 0.3, logged: bool = True) -> None:
    """Send each signal to the process group of make, then wait until nothing of the demo is left; `logged`: the
    output can still tell how long the stop took."""
    before = processes_of(demo.run_dir, demo.process.pid)
    for signum in signals:
        os.killpg(demo.process.pid, signum)
        time.sleep(pause_s)
    try:
        demo.wait_until_stopped(STOP_BOUND_S)
    except AssertionError:
        left = processes_of(demo.run_dir, demo.process.pid)
        raise AssertionError(f"left running after {signals}: {left}\n{demo.output()[-3000:]}") from None
    assert any("kraken_core.simulator" in c for c in before.values())
    assert not demo.taken_ports(), f"ports still in use after the stop: {demo.taken_ports()}"
    assert not logged or "stopped in" in demo.output(), demo.output()[-3000:]
    assert not (demo.run_dir / "mongo" / "pid").exists()


def test_term_to_the_group_of_make_demo_stops_everything_and_a_second_instance_is_refused(run_dir, tmp_path):
    demo = start_instance(MAKE_DEMO, run_dir, tmp_path / "demo.log", wanted=DEMO_PROCESSES)
    demo.wait_until_up()

    # a second instance on the same run folder, with ports of its own: refused before it starts anything
    other_ports = free_ports()
    second = subprocess.run([str(SCRIPT), "--demo"], cwd=ROOT, env=platform_env(run_dir, **other_ports),
                            capture_output=True, text=True, timeout=60, start_new_session=True)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"{run_dir} is in use by another AlphaKraken instance" in second.stderr
    script_pid = next(pid for pid, cmd in processes_of(run_dir).items() if "run-platform.sh" in cmd)
    assert f"pid {script_pid} " in second.stderr, second.stderr
    assert "KRAKEN_RUN_DIR=" in second.stderr
    assert not any(str(p) in cmd for cmd in processes_of(run_dir).values() for p in other_ports.values())

    stop_and_check(demo, signal.SIGTERM)
    assert demo.process.returncode != 0


def test_two_terms_in_quick_succession_stop_everything(run_dir, tmp_path):
    demo = start_instance(MAKE_DEMO, run_dir, tmp_path / "demo.log", wanted=DEMO_PROCESSES)
    demo.wait_until_up()
    stop_and_check(demo, signal.SIGTERM, signal.SIGTERM, pause_s=0.1)
    assert "already stopping" in demo.output()


def test_ctrl_c_stops_everything(run_dir, tmp_path):
    demo = start_instance(MAKE_DEMO, run_dir, tmp_path / "demo.log", wanted=DEMO_PROCESSES)
    demo.wait_until_up()
    stop_and_check(demo, signal.SIGINT)


def test_term_stops_everything_when_the_output_went_through_a_pipe_the_signal_ended(run_dir, tmp_path):
    """The reader of the pipe dies with the group; the script's first word of the stop used to kill it (SIGPIPE)
    and leave the companion, the simulator and the database server running."""
    log = tmp_path / "demo.log"
    piped = ["bash", "-c", f'{" ".join(MAKE_DEMO)} 2>&1 | cat > "$0"', str(log)]
    demo = start_instance(piped, run_dir, tmp_path / "outer.log", wanted=DEMO_PROCESSES)
    demo.log = log
    demo.wait_until_up()
    stop_and_check(demo, signal.SIGTERM, logged=False)  # its reader, cat, ended with the group


def test_a_run_folder_left_by_a_dead_instance_is_taken_over_and_its_database_server_stopped(run_dir, tmp_path):
    ports = free_ports()
    mongo = run_dir / "mongo"
    (mongo / "data").mkdir(parents=True)
    orphan_port = free_ports()["KRAKEN_LOCAL_MONGO_PORT"]
    subprocess.run([str(VENV_BIN / "nx-27017"), "-d", "--host", "127.0.0.1", "-p", str(orphan_port), "--data-dir",
                    str(mongo / "data"), "--log-file", str(mongo / "log"), "--pid-file", str(mongo / "pid")],
                   check=True, env=platform_env(run_dir), timeout=30)
    orphan = int((mongo / "pid").read_text())
    (run_dir / "instance.lock").write_text("pid 999999 since 2026-01-01 00:00:00 UTC: Dagster UI port 3000\n")
    # the Dagster port is taken, so the start ends after the take-over, before it starts anything of its own
    with socket.socket() as other:
        other.bind(("127.0.0.1", ports["DAGSTER_WEBSERVER_PORT"]))
        other.listen()
        result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=platform_env(run_dir, **ports), capture_output=True,
                                text=True, timeout=60, start_new_session=True)
    assert "was left by an instance that did not stop cleanly (pid 999999 " in result.stdout
    assert f"still runs on {mongo} (pid {orphan}); stopping it" in result.stdout
    wait_for(lambda: not os.path.exists(f"/proc/{orphan}"), 15, "the orphaned database server to stop")
    assert result.returncode == 1 and f"port {ports['DAGSTER_WEBSERVER_PORT']} " in result.stderr
    assert not processes_of(run_dir)


def test_a_process_that_ends_by_itself_is_named_and_the_rest_stopped(run_dir, tmp_path):
    """A companion that crashes (or finds its port taken after all) must not leave a demo without it, running on."""
    demo = start_instance(MAKE_DEMO, run_dir, tmp_path / "demo.log", wanted=DEMO_PROCESSES)
    demo.wait_until_up()
    companion = next(pid for pid, cmd in processes_of(run_dir).items() if "kraken_ui_ext.companion" in cmd)
    os.kill(companion, signal.SIGKILL)
    demo.wait_until_stopped(STOP_BOUND_S)
    assert f"the companion app (pid {companion}) ended by itself" in demo.output()
    assert not demo.taken_ports()
