"""The local job engine on real processes (fast tier): jobs built by build_job_request run under the real job script
with a tool of the software folder; states as the job sensor reads them; exit codes, cancelling, time limits, the
parallel limit in submission order, and worker paths (no cluster path mapping)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kraken_core.local_jobs import LocalJobs, time_limit_s
from kraken_core.quanting.job_request import build_job_request
from kraken_core.quanting.outcome import classify

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TOOL = """#!/bin/sh
# waits for OUTPUT_PATH/release, then exits with the code written in it; `slow` ignores release
out="$2"; mode="$4"
mkdir -p "$out"; echo "tool $mode in $(pwd)"; touch "$out/started"
[ "$mode" = slow ] && exec sleep 60
while [ ! -e "$out/release" ]; do sleep 0.05; done
code="$(cat "$out/release")"
[ "$code" = 0 ] || echo "ERROR: the tool failed on purpose" >&2
exit "$code"
"""


@pytest.fixture
def engine(make_config, tmp_path):
    worker = tmp_path / "w"
    locations = {"instruments": {"path": str(worker / "instruments")}}
    for name in ("backup", "output", "settings", "slurm", "software"):
        # absolute_path is what a cluster would see: the local engine must not use it
        locations[name] = {"path": str(worker / name), "absolute_path": f"/cluster/{name}"}
        (worker / name).mkdir(parents=True)
    tool = worker / "software" / "waiter" / "run"
    tool.parent.mkdir()
    tool.write_text(TOOL)
    tool.chmod(0o755)
    tools = {"waiter": {"software_type": "custom", "executable": "waiter/run", "arguments": "--out OUTPUT_PATH --mode MODE",
                        "parameters": {"mode": {"type": "choice", "values": ["wait", "slow"], "default": "wait"}}}}
    config = make_config(locations=locations, quanting={"enabled": True, "engine": "local", "tools": tools})

    def submit(jobs: LocalJobs, name: str, mode: str = "wait", slurm_time: str = "00:05:00"):
        doc = {"_id": name, "original_name": name, "instrument_id": "thermo1", "project_id": "PRJ1",
               "collision_flag": None, "created_at": datetime(2026, 11, 2, tzinfo=UTC), "size": 3,
               "status": "copying_done", "file_info": {name: [3, "md5"]}}
        raw = worker / "backup" / "thermo1" / "2026_11" / name
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_bytes(b"raw")
        settings = {"_id": f"s-{name}", "name": "qc", "version": 1, "software": "waiter", "software_type": "custom",
                    "tool": "waiter", "tool_parameters": {"mode": mode}, "slurm_time": slurm_time}
        request = build_job_request(config, doc, settings, worker / "output" / "PRJ1" / name, NOW)
        return jobs.submit(request), request

    jobs = LocalJobs(worker / "slurm" / "local_jobs", max_parallel_jobs=1)
    yield jobs, submit, worker
    for job_dir in jobs.jobs_dir.glob("local-*"):  # nothing outlives the test
        kill_groups(job_dir)


def kill_groups(job_dir: Path) -> None:
    """SIGKILL to the runner's and the job script's process groups, as a machine restart ends them."""
    for name in ("pid", "script_pid"):
        if (job_dir / name).exists():
            try:
                os.killpg(int((job_dir / name).read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass


def wait_state(jobs: LocalJobs, job_id: str, wanted: set[str], timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = jobs.job_states([job_id])[job_id]
        if state.state in wanted:
            return state
        time.sleep(0.05)
    raise AssertionError(f"{job_id} still {state} after {timeout} s, wanted {wanted}")


def session_of(jobs: LocalJobs, job_id: str) -> str:
    return (jobs.jobs_dir / job_id / "pid").read_text().strip()


def wait_gone(session: str, timeout: float = 10) -> str:
    """The processes still in the job's session after `timeout` (pgrep's list; empty when all ended)."""
    deadline = time.monotonic() + timeout
    while (left := subprocess.run(["pgrep", "-a", "-s", session], capture_output=True, text=True).stdout.strip()):
        if time.monotonic() > deadline or " <defunct>" in left:
            break
        time.sleep(0.1)
    return "" if " <defunct>" in left else left


def release(request, code: int) -> None:
    request.output_worker.mkdir(parents=True, exist_ok=True)
    (request.output_worker / "release").write_text(f"{code}\n")


def log_of(request, job_id: str) -> str:
    return (request.log_dir_worker / f"{request.job_name}-{job_id}.out").read_text()


def test_a_job_runs_the_job_script_on_worker_paths_and_completes_with_exit_0(engine):
    jobs, submit, worker = engine
    job_id, request = submit(jobs, "20261102_PRJ1_a.raw")
    assert job_id == "local-1"
    running = wait_state(jobs, job_id, {"RUNNING"})
    assert running.exit_code is None and not running.ended
    assert request.environment["OUTPUT_PATH"] == str(request.output_worker)  # no /cluster/... mapping
    assert request.environment["TOOL_EXECUTABLE"] == str(worker / "software" / "waiter" / "run")
    time.sleep(1.1)
    assert jobs.job_states([job_id])[job_id].elapsed_s >= 1
    release(request, 0)
    state = wait_state(jobs, job_id, {"COMPLETED", "FAILED"})
    assert (state.state, state.exit_code, state.ended) == ("COMPLETED", 0, True)
    assert state.elapsed_s >= 1
    log = log_of(request, job_id)
    assert f"== alphakraken job {job_id} on" in log  # the job script's own header, in the log Slurm would write
    assert f"tool wait in {request.output_worker}" in log
    assert "== finished with exit code 0" in log
    assert Path(f"{request.log_dir_worker}/{request.job_name}-{job_id}.out.exit").read_text() == "0\n"


def test_a_failing_tool_is_failed_with_its_exit_code_and_the_log_says_why(engine):
    jobs, submit, _ = engine
    job_id, request = submit(jobs, "20261102_PRJ1_b.raw")
    wait_state(jobs, job_id, {"RUNNING"})
    release(request, 3)
    state = wait_state(jobs, job_id, {"COMPLETED", "FAILED"})
    assert (state.state, state.exit_code) == ("FAILED", 3)
    assert "ERROR: the tool failed on purpose" in log_of(request, job_id)
    outcome = classify(state=state.state, exit_code=state.exit_code, output=request.output_worker,
                       job_log=log_of(request, job_id), software_type="custom", job_id=job_id)
    assert (str(outcome.status), outcome.code) == ("quanting_failed", "FAILED")


def test_cancel_ends_the_running_tool_and_the_job_is_cancelled(engine):
    jobs, submit, _ = engine
    job_id, request = submit(jobs, "20261102_PRJ1_c.raw", mode="slow")
    wait_state(jobs, job_id, {"RUNNING"})
    deadline = time.monotonic() + 10
    while not (request.output_worker / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    jobs.cancel(job_id)
    state = wait_state(jobs, job_id, {"CANCELLED", "FAILED", "COMPLETED"}, timeout=10)
    assert state.state == "CANCELLED"
    assert wait_gone(session_of(jobs, job_id)) == ""  # runner, job script and tool are gone
    jobs.cancel(job_id)  # an ended job: nothing happens


def test_the_time_limit_of_the_settings_ends_the_job_as_timeout(engine):
    jobs, submit, _ = engine
    job_id, request = submit(jobs, "20261102_PRJ1_d.raw", mode="slow", slurm_time="00:02")
    state = wait_state(jobs, job_id, {"TIMEOUT", "FAILED", "COMPLETED"}, timeout=20)
    assert state.state == "TIMEOUT" and state.exit_code == 143
    outcome = classify(state=state.state, exit_code=state.exit_code, output=request.output_worker,
                       job_log=log_of(request, job_id), software_type="custom", job_id=job_id)
    assert outcome.code == "TIMEOUT"
    assert "time limit of 2 s (slurm_time) reached" in log_of(request, job_id)


def test_jobs_beyond_the_parallel_limit_wait_pending_and_start_in_submission_order(engine):
    jobs, submit, _ = engine
    (first, r1), (second, r2), (third, r3) = (submit(jobs, f"20261102_PRJ1_p{i}.raw") for i in range(3))
    assert (first, second, third) == ("local-1", "local-2", "local-3")
    wait_state(jobs, first, {"RUNNING"})
    time.sleep(1.5)  # long enough for a waiting runner to take a slot it should not have
    states = jobs.job_states([first, second, third])
    assert [states[j].state for j in (first, second, third)] == ["RUNNING", "PENDING", "PENDING"]
    assert "waiting for one of 1 local slot(s)" in states[second].reason
    release(r1, 0)
    wait_state(jobs, second, {"RUNNING"})
    assert jobs.job_states([third])[third].state == "PENDING"
    jobs.cancel(third)  # cancelled while waiting: never starts
    assert wait_state(jobs, third, {"CANCELLED", "FAILED", "COMPLETED", "RUNNING"}).state == "CANCELLED"
    assert not (r3.output_worker / "started").exists()
    release(r2, 0)
    assert wait_state(jobs, second, {"COMPLETED", "FAILED"}).state == "COMPLETED"


def test_a_job_whose_process_vanished_is_reported_lost_and_unknown_ids_unknown(engine):
    jobs, submit, _ = engine
    job_id, request = submit(jobs, "20261102_PRJ1_e.raw", mode="slow")
    wait_state(jobs, job_id, {"RUNNING"})
    while not (jobs.jobs_dir / job_id / "script_pid").exists():
        time.sleep(0.05)
    kill_groups(jobs.jobs_dir / job_id)
    state = wait_state(jobs, job_id, {"NODE_FAIL", "FAILED", "COMPLETED"})
    assert state.state == "NODE_FAIL" and state.ended and "ended without an exit code" in state.reason
    assert jobs.job_states(["local-99"])["local-99"].state == "UNKNOWN"
    with pytest.raises(ValueError):
        jobs.job_states(["12345; rm -rf /"])


def test_job_ids_are_never_reused_after_jobs_end(engine):
    jobs, submit, _ = engine
    job_id, request = submit(jobs, "20261102_PRJ1_f.raw")
    release(request, 0)
    wait_state(jobs, job_id, {"COMPLETED"})
    assert submit(jobs, "20261102_PRJ1_g.raw")[0] == "local-2"


@pytest.mark.parametrize(("text", "seconds"), [("01:00:00", 3600), ("90", 5400), ("10:30", 630),
                                                ("1-02:00:00", 93600), ("2-12", 216000)])
def test_slurm_time_formats(text, seconds):
    assert time_limit_s(text) == seconds
