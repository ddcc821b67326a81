"""Platform alerts AlphaKraken has: the file remover's heartbeat, the companion's health endpoint, the worker's
local disk. The purge run writes the heartbeat; `platform_services` reads it; the alert reaches the Slack stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from kraken_assets.lifecycle import LifecycleDefinitions
from kraken_core.record.kraken_status import FILE_REMOVER, job_heartbeat
from tests.support import lifecycle
from tests.support.webhook_recorder import WebhookRecorder


def remover_ran(mongo_db, hours_ago: float) -> None:
    mongo_db.kraken_status.update_one(
        {"_id": FILE_REMOVER},
        {"$set": {"entity_type": "job", "status": "ok", "status_details": "run 1a2b3c4d (report only): 0 deleted",
                  "updated_at_": datetime.now(UTC) - timedelta(hours=hours_ago)}},
        upsert=True,
    )


def titled(slack, title: str) -> list[str]:
    return [t for t in slack.texts() if title in t]


def test_a_purge_run_writes_the_heartbeat(config, mongo_db, services, instance):
    before = datetime.now(UTC)
    purged = LifecycleDefinitions(config).purged
    dg.materialize([purged], resources=lifecycle.resources(config, mongo_db, services), instance=instance)
    heartbeat = job_heartbeat(mongo_db, FILE_REMOVER)
    assert heartbeat["entity_type"] == "job" and heartbeat["status"] == "ok"
    assert heartbeat["updated_at_"] >= before and "report only" in heartbeat["status_details"]


def test_a_stale_remover_heartbeat_alerts_and_resolves_after_the_next_run(make_harness, instance, slack, mongo_db):
    harness = make_harness(lifecycle={"remover_cron": "0 3 * * *"})  # the remover exists only with a lifecycle
    harness.evaluate_check_alerts(instance)
    harness.probe_services(instance)  # no heartbeat yet: nothing to judge
    harness.evaluate_check_alerts(instance)
    assert titled(slack, "File remover") == []

    remover_ran(mongo_db, hours_ago=30)
    harness.probe_services(instance)
    harness.evaluate_check_alerts(instance)
    harness.probe_services(instance)
    harness.evaluate_check_alerts(instance)
    [alert] = titled(slack, "File remover")
    assert alert.startswith("[test] :red_circle: *File remover not running* (file_remover)")
    assert "last ran 30.0 h ago (limit 24 h)" in alert and "purge_instrument_files_schedule" in alert

    remover_ran(mongo_db, hours_ago=0.1)
    harness.probe_services(instance)
    harness.evaluate_check_alerts(instance)
    assert len(titled(slack, "File remover")) == 2 and "resolved" in titled(slack, "File remover")[1]


def test_companion_health_endpoint_failing_alerts_and_resolves(make_harness, instance, slack):
    companion = WebhookRecorder().start()
    try:
        harness = make_harness(companion_base_url=companion.base_url)
        harness.evaluate_check_alerts(instance)
        companion.get_status = 500
        harness.probe_services(instance)
        harness.evaluate_check_alerts(instance)
        [alert] = titled(slack, "Companion app unhealthy")
        assert f"{companion.base_url}/healthz answered HTTP 500" in alert and "--profile webapp" in alert
        companion.get_status = 200
        harness.probe_services(instance)
        harness.evaluate_check_alerts(instance)
        assert "resolved" in titled(slack, "Companion app unhealthy")[1]
    finally:
        companion.stop()


def test_low_worker_disk_goes_to_the_operators_channel(make_harness, instance, slack):
    harness = make_harness(monitoring={"business_slack_channel": "#lab-qc"})
    harness.set_free_space(worker=4)
    harness.evaluate_check_alerts(instance)
    harness.probe_services(instance)
    harness.evaluate_check_alerts(instance)
    [alert] = [m for m in slack.messages if "Worker disk almost full" in m.text]
    assert alert.channel == "#kraken-alerts"
    assert "only 4.0 GB free on the worker's disk at /, below 10 GB" in alert.text
    assert slack.channel_texts("#lab-qc") == []
