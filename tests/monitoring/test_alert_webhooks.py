"""Delivery to incoming webhooks and to two channels: a raw file in error goes to the scientists' (business)
channel as a Teams card, low disk space to the operators' Slack webhook and bot channel. Both webhooks are a local
HTTP endpoint that records what it receives."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from kraken_core.locations import LocationHealth
from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.statuses import RawFileStatus
from tests.support.webhook_recorder import WebhookRecorder


@pytest.fixture
def hooks():
    recorder = WebhookRecorder().start()
    yield recorder
    recorder.stop()


def two_channels(make_harness, hooks):
    ops, business = hooks.url("ops"), hooks.url("business")
    harness = make_harness(monitoring={"ops_alerts_webhook_url": ops, "ops_alerts_webhook_format": "slack",
                                       "business_alerts_webhook_url": business,
                                       "business_alerts_webhook_format": "teams"})
    return harness, ops, business


def raw_file_in_error(db, raw_file_id: str) -> None:
    register_raw_file(db, raw_file_id=raw_file_id, original_name=raw_file_id, collision_flag=None,
                      instrument_id="thermo1", project_id="PRJ1", status=RawFileStatus.MONITORING_DONE,
                      created_at=datetime.now(UTC))
    update_raw_file(db, raw_file_id, status=RawFileStatus.ERROR,
                    status_details="backup failed: the copy differs from the instrument file")


def test_raw_file_error_to_the_business_teams_card_low_disk_to_the_operators(make_harness, hooks, instance, slack,
                                                                            mongo_db):
    harness, _, _ = two_channels(make_harness, hooks)
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=120)
    harness.evaluate_check_alerts(instance)
    raw_file_in_error(mongo_db, "20240301_PRJ1_hela.raw")
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)

    [card] = hooks.posted_to("business")
    assert card.content_type == "application/json"
    assert card.body["type"] == "message"
    [attachment] = card.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["$schema"].endswith("adaptive-card.json")
    [block] = content["body"]
    assert block["type"] == "TextBlock" and block["wrap"] is True
    assert block["text"].startswith("[test] 🔴 **Raw files in error** (thermo1)")
    assert "20240301_PRJ1_hela.raw: backup failed: the copy differs" in block["text"]
    assert content["actions"][0]["type"] == "Action.OpenUrl"
    assert content["actions"][0]["url"].endswith("checkDetail=no_new_raw_file_errors")

    [ops] = hooks.posted_to("ops")
    assert set(ops.body) == {"text", "unfurl_links"}
    assert ops.body["text"].startswith("[test] :red_circle: *Low disk space* (thermo1)")
    assert "Raw files in error" not in ops.body["text"]
    # the operators' bot channel gets the disk alert too, never the scientists' raw file error
    assert [m.channel for m in slack.messages] == ["#kraken-alerts"] and "Low disk space" in slack.texts()[0]


def test_a_refused_webhook_message_is_retried_and_its_url_never_logged(make_harness, hooks, instance, slack,
                                                                       mongo_db, capfd):
    harness, ops, _ = two_channels(make_harness, hooks)
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=120)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    hooks.answer_status = 403
    capfd.readouterr()
    harness.evaluate_check_alerts(instance)
    logged = capfd.readouterr()
    assert hooks.posted_to("ops") == []
    assert "the operators alert was not delivered: the webhook at 127.0.0.1 refused the message: HTTP 403" in logged.err
    secret = urlsplit(ops).path
    assert secret not in logged.err and secret not in logged.out

    hooks.answer_status = 200
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    [message] = hooks.posted_to("ops")
    assert "Low disk space" in message.body["text"] and "120.0 GB free" in message.body["text"]
