"""End to end with the real Dagster daemon: the backup share is not mounted, so the first backup run fails and
the scheduled health check finds the share missing; both reach the Slack stand-in exactly once."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pymongo
import pytest
import yaml

from kraken_core.simulator import write_thermo
from tests.monitoring.conftest import TEST_TOKEN
from tests.support.platform import ROOT, DagsterPlatform, wait_for
from tests.support.slack_recorder import SlackRecorder

pytestmark = pytest.mark.e2e


def envs_with_monitoring(workdir: Path, slack: SlackRecorder) -> Path:
    envs = workdir / "envs"
    envs.mkdir()
    shutil.copy(ROOT / "envs" / "test.env", envs / "test.env")
    config = yaml.safe_load((ROOT / "envs" / "alphakraken.test.yaml").read_text())
    config["locations"]["backup"]["mount_check"] = "marker"  # the marker file is absent: "not mounted"
    config["instruments"] = {"thermo1": config["instruments"]["thermo1"]}  # fewer runs per health tick
    free_space = workdir / "free_space.yaml"
    free_space.write_text("thermo1: 5000\nbackup: 5000\noutput: 5000\n")
    config["monitoring"] = {
        "slack_channel": "#lab-alerts",
        "slack_api_url": slack.api_url,
        "health_cron": "* * * * *",
        "alert_interval_s": 2,
        "free_space_file": str(free_space),
    }
    (envs / "alphakraken.test.yaml").write_text(yaml.safe_dump(config))
    return envs


def test_failed_backup_run_and_unmounted_share_each_post_one_message(tmp_path, services, mounts):
    slack = SlackRecorder().start()
    database = f"kt_mon_e2e_{uuid.uuid4().hex[:8]}"
    env = {"MOUNTS_PATH": str(mounts), "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
           "MONGO_DB": database, "KRAKEN_ENVS_DIR": str(envs_with_monitoring(tmp_path, slack)),
           "SLACK_TOKEN": TEST_TOKEN}
    platform = DagsterPlatform(tmp_path, env).start(webserver=False)
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True)
    try:
        thermo = mounts / "instruments" / "thermo1"
        write_thermo(thermo, "20240301_PRJ1_first.raw", 100_000, seed=1)
        write_thermo(thermo, "20240301_PRJ1_second.raw", 100_000, seed=2)  # finishes the first

        def posted(title: str) -> list[str]:
            return [t for t in slack.texts() if title in t]

        try:
            wait_for(lambda: posted("Run failed"), 150, "the run-failure alert")
            wait_for(lambda: posted("Location not mounted"), 150, "the scheduled health check's alert")
        except AssertionError:
            print(platform.log_tail())
            raise
        [run_failed] = posted("Run failed")
        assert run_failed.startswith("[test] ") and "raw_file_pipeline on thermo1" in run_failed
        assert "http://127.0.0.1:3300/runs/" in run_failed and "backup" in run_failed
        [unmounted] = posted("Location not mounted")
        assert "(backup)" in unmounted and "marker file .alphakraken_mounted missing" in unmounted
        assert all(m.channel == "#lab-alerts" and m.authorization == f"Bearer {TEST_TOKEN}" for m in slack.messages)
        doc = client[database].raw_file.find_one({"_id": "20240301_PRJ1_first.raw"})
        assert doc["status"] == "error" and "backup" in doc["status_details"]
    finally:
        platform.stop()
        slack.stop()
        client.drop_database(database)
        client.close()
