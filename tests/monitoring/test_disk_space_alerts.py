"""Free disk below the threshold: one message, silence within the cooldown, one resolved message on recovery."""

from __future__ import annotations

from datetime import UTC, datetime

from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.locations import LocationHealth


def heartbeat(mongo_db, *names):
    for name in names:
        write_heartbeat(mongo_db, name, "instrument", LocationHealth(path="/x", ok=True, details="ok", free_gb=1.0))


def test_low_disk_alerts_once_stays_quiet_in_cooldown_and_resolves(harness, instance, slack, mongo_db):
    heartbeat(mongo_db, "thermo1")
    harness.set_free_space(thermo1=1000)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)  # first tick: starts at the newest evaluation, replays nothing
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert slack.texts() == []

    harness.set_free_space(thermo1=150)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    [alert] = slack.messages
    assert alert.channel == "#kraken-alerts"
    assert "Low disk space" in alert.text and "thermo1" in alert.text and "150.0 GB free" in alert.text
    assert alert.text.startswith("[test] ")
    assert "<!channel>" not in alert.text
    assert "<http://dagster.example:3000/assets/location_health?view=checks&checkDetail=free_space|" in alert.text

    for _ in range(3):
        harness.measure(instance, "thermo1")
        harness.evaluate_check_alerts(instance)
    assert len(slack.messages) == 1

    harness.set_free_space(thermo1=350)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert len(slack.messages) == 2
    resolved = slack.messages[1].text
    assert "resolved" in resolved and "thermo1" in resolved and "350.0 GB free" in resolved

    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert len(slack.messages) == 2


def test_backup_and_output_have_their_own_thresholds(harness, instance, slack):
    harness.set_free_space(backup=450, output=450)  # below backup's 500 GB, above output's 300 GB
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "backup", "output")
    harness.evaluate_check_alerts(instance)
    texts = [t for t in slack.texts() if "Low disk space" in t]
    assert len(texts) == 1 and "(backup)" in texts[0] and "below the 500 GB threshold" in texts[0]


def test_production_pages_the_channel(make_harness, instance, slack):
    harness = make_harness(production=True)
    harness.set_free_space(thermo1=10)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    [alert] = [t for t in slack.texts() if "Low disk space" in t]
    assert alert.startswith("<!channel> [test] ")


def test_suppressed_alert_is_not_sent_until_the_rule_expires(harness, instance, slack):
    harness.suppressions_file.write_text(
        "suppressions:\n  - alert: free_space\n    subject: thermo1\n    reason: PC being replaced\n"
    )
    harness.set_free_space(thermo1=10, bruker1=10)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1", "bruker1")
    harness.evaluate_check_alerts(instance)
    texts = [t for t in slack.texts() if "Low disk space" in t]
    assert len(texts) == 1 and "(bruker1)" in texts[0]

    past = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    harness.suppressions_file.write_text(f"suppressions:\n  - alert: free_space\n    until: '{past}'\n")
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    texts = [t for t in slack.texts() if "Low disk space" in t]
    assert len(texts) == 2 and "(thermo1)" in texts[1]


def test_without_a_token_alerts_go_to_the_log(make_harness, instance, slack, capfd):
    harness = make_harness(token=None)
    harness.set_free_space(thermo1=10)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    capfd.readouterr()
    harness.evaluate_check_alerts(instance)
    assert slack.texts() == []
    logged = [line for line in capfd.readouterr().err.splitlines()
              if "ALERT (not sent to Slack: SLACK_TOKEN is not set)" in line and "Low disk space" in line]
    assert len(logged) == 1 and "thermo1" in logged[0] and "10.0 GB free" in logged[0]


def test_a_refused_message_is_retried_at_the_next_evaluation(harness, instance, slack):
    harness.set_free_space(thermo1=10)
    harness.evaluate_check_alerts(instance)
    slack.refuse_with = "ratelimited"
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert slack.texts() == []
    slack.refuse_with = None
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert len([t for t in slack.texts() if "Low disk space" in t]) == 1
