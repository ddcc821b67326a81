"""A copy killed half way (issue #21) ends backed up identically without a person, with the real Dagster daemon.

(a) `kill -9` of the whole platform's process groups during the copy of a 1 GB raw file, then a plain restart;
(b) `kill -9` of only the run worker process, as the OOM killer would do, while the platform stays up.
The `copies` pool has one slot, so a slot the dead run kept would block the recovery run for ever.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import dagster as dg
import pymongo
import pytest
import yaml

from kraken_assets.instance_pools import apply_pool_limits
from kraken_core.pools import COPIES
from kraken_sensors.dead_run_workers import worker_pid
from tests.monitoring.conftest import TEST_TOKEN
from tests.support.platform import ROOT, DagsterPlatform, wait_for
from tests.support.slack_recorder import SlackRecorder

pytestmark = pytest.mark.e2e

NAME = "20240301_PRJ1_big.raw"
SIZE = 1 << 30
CHECK_INTERVAL_S = 2
RECOVERY_S = 5
ENDED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def write_big_raw_file(path: Path, size: int = SIZE) -> None:
    """Real, incompressible content fast: one random MiB, each copy stamped with its index."""
    block = bytearray(os.urandom(1 << 20))
    with open(path, "wb") as out:
        for i in range(size >> 20):
            block[:8] = i.to_bytes(8, "little")
            out.write(block)


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def envs_for_crash_tests(workdir: Path, slack: SlackRecorder) -> Path:
    envs = workdir / "envs"
    envs.mkdir()
    shutil.copy(ROOT / "envs" / "test.env", envs / "test.env")
    config = yaml.safe_load((ROOT / "envs" / "alphakraken.test.yaml").read_text())
    config["instruments"] = {"thermo1": config["instruments"]["thermo1"]}
    config["timings"].update(crash_check_interval_s=CHECK_INTERVAL_S, stale_copy_recovery_s=RECOVERY_S)
    config["backup"].update(copy_buffer_mb=1, max_parallel_copies=1)  # small reads: the copy takes seconds
    config["monitoring"] = {"slack_channel": "#lab-alerts", "slack_api_url": slack.api_url, "alert_interval_s": 2}
    (envs / "alphakraken.test.yaml").write_text(yaml.safe_dump(config))
    return envs


class CrashScene:
    """A platform on temp folders and a database of its own, the Slack stand-in, and a 1 GB raw file."""

    def __init__(self, workdir: Path, services: dict[str, str], mounts: Path):
        self.workdir, self.mounts = workdir, mounts
        self.slack = SlackRecorder().start()
        self.database = f"kt_crash_{uuid.uuid4().hex[:8]}"
        self.env = {
            "MOUNTS_PATH": str(mounts), "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
            "MONGO_DB": self.database, "KRAKEN_ENVS_DIR": str(envs_for_crash_tests(workdir, self.slack)),
            "SLACK_TOKEN": TEST_TOKEN,
        }
        self.client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
        self.db = self.client[self.database]
        self.platform: DagsterPlatform | None = None
        self.source = mounts / "instruments" / "thermo1" / NAME

    def start(self) -> DagsterPlatform:
        self.platform = DagsterPlatform(self.workdir, self.env).start(webserver=False)
        return self.platform

    def instance(self) -> dg.DagsterInstance:
        return self.platform.instance()

    def temp_files(self) -> list[Path]:
        return list((self.mounts / "backup").rglob("*.kraken-tmp"))

    def record(self) -> dict:
        return self.db.raw_file.find_one({"_id": NAME}) or {}

    def kill_mid_copy(self) -> tuple[str, int]:
        """Wait for the run's copy to be under way, then return (run id, worker pid) at once."""
        write_big_raw_file(self.source)
        instance = self.instance()

        def copying():
            staged = [p for p in self.temp_files() if p.stat().st_size > (64 << 20)]
            started = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
            return staged and started and (started[0].dagster_run.run_id, worker_pid(instance,
                                                                                     started[0].dagster_run.run_id))
        run_id, (pid, _) = wait_for(copying, 120, "the copy of the 1 GB raw file to be under way", interval=0.05)
        return run_id, pid

    def wait_backed_up(self, timeout: float) -> dict:
        def done():
            doc = self.record()
            return doc if doc.get("backup_status") == "copying_done" and doc.get("status") not in (
                "checksumming", "copying") else None
        try:
            return wait_for(done, timeout, f"{NAME} to be backed up after the crash")
        except AssertionError:
            print(self.platform.log_tail(120))
            raise

    def assert_recovered_identically(self, dead_run: str) -> None:
        doc = self.record()
        backup = self.mounts / "backup" / "thermo1" / doc["created_at"].strftime("%Y_%m") / NAME
        assert md5_of(backup) == md5_of(self.source) == doc["file_info"][NAME][1]
        assert self.temp_files() == []
        [recovery] = doc["copy_recoveries"]
        assert recovery["status"] in ("checksumming", "copying") and recovery["run_key"] == f"recover:{NAME}:1"
        instance = self.instance()
        assert instance.get_run_by_id(dead_run).status == dg.DagsterRunStatus.FAILURE
        def recovery_run_statuses():  # the record is backed up before the run's last steps (the check) end
            records = instance.get_run_records(
                filters=dg.RunsFilter(tags={"kraken/recovered_copy": recovery["run_key"]}))
            statuses = [r.dagster_run.status for r in records]
            return statuses if statuses and all(status in ENDED for status in statuses) else None
        assert wait_for(recovery_run_statuses, 120, "the recovery run to end") == [dg.DagsterRunStatus.SUCCESS]
        wait_for(lambda: not instance.event_log_storage.get_concurrency_info(COPIES).claimed_slots, 30,
                 "every copies slot to be free")
        posted = wait_for(lambda: [t for t in self.slack.texts() if "Copy recovered after a crash" in t], 30,
                          "the recovery message")
        assert len(posted) == 1 and NAME in posted[0] and "recover:" in posted[0]

    def close(self) -> None:
        if self.platform is not None:
            self.platform.stop()
        self.slack.stop()
        self.client.drop_database(self.database)
        self.client.close()
        for big in (self.mounts / "instruments", self.mounts / "backup"):  # 2 GB per test: not kept by pytest
            shutil.rmtree(big, ignore_errors=True)


@pytest.fixture
def scene(tmp_path, services, mounts):
    crash = CrashScene(tmp_path, services, mounts)
    try:
        yield crash
    finally:
        crash.close()


def one_copy_slot(platform: DagsterPlatform) -> None:
    with platform.instance() as instance:
        apply_pool_limits(instance, {COPIES: 1})


def test_killing_the_whole_platform_mid_copy_then_restarting_ends_backed_up(scene):
    platform = scene.start()
    one_copy_slot(platform)
    run_id, worker = scene.kill_mid_copy()
    for proc in platform.processes:  # daemon, code servers and run workers: kill -9, no clean-up at all
        os.killpg(proc.pid, signal.SIGKILL)
    wait_for(lambda: not Path(f"/proc/{worker}").exists(), 10, "the run worker to be gone")
    assert scene.temp_files(), "the killed copy should have left its staged file"
    assert scene.record()["status"] in ("checksumming", "copying")

    restarted = time.monotonic()
    scene.start()
    scene.wait_backed_up(timeout=180)
    print(f"restart to backed up: {time.monotonic() - restarted:.1f} s")
    scene.assert_recovered_identically(run_id)


def test_killing_only_the_run_worker_mid_copy_ends_backed_up(scene):
    platform = scene.start()
    one_copy_slot(platform)
    run_id, worker = scene.kill_mid_copy()
    killed = time.monotonic()
    os.kill(worker, signal.SIGKILL)
    scene.wait_backed_up(timeout=180)
    print(f"worker kill to backed up: {time.monotonic() - killed:.1f} s")
    scene.assert_recovered_identically(run_id)
