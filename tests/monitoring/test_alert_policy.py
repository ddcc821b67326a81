"""The alert policy on its own: cooldown, reminders, resolved messages, events, suppressions, digests, memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kraken_core.monitoring.alert_messages import compose
from kraken_core.monitoring.alert_policy import AlertLedger, Observation
from kraken_core.monitoring.suppressions import SuppressionFileError, load_suppressions, split_suppressed

HOUR = 3600.0


def failing(subject="thermo1", alert="location_health:free_space", kind="state", text="only 10 GB free"):
    return Observation(alert, subject, True, f"{subject}: {text}", "http://ui/x", kind)


def passing(subject="thermo1", alert="location_health:free_space", kind="state"):
    return Observation(alert, subject, False, f"{subject}: 900 GB free", "http://ui/x", kind)


def step(ledger, observations, now):
    notices = ledger.decide(observations, now)
    for notice in notices:
        ledger.sent(notice, now)
    return [(n.kind, n.observation.subject, n.seen_since_last) for n in notices]


def test_one_alert_per_subject_until_the_cooldown_then_a_reminder_that_counts():
    ledger = AlertLedger(cooldown_s=2 * HOUR)
    assert step(ledger, [failing()], 0) == [("alert", "thermo1", 0)]
    assert step(ledger, [failing()], 300) == []
    assert step(ledger, [failing()], 600) == []
    assert step(ledger, [failing("bruker1")], 700) == [("alert", "bruker1", 0)]
    assert step(ledger, [failing()], 2 * HOUR) == [("reminder", "thermo1", 2)]
    assert step(ledger, [failing()], 2 * HOUR + 300) == []


def test_recovery_sends_one_resolved_and_a_new_failure_alerts_again():
    ledger = AlertLedger(cooldown_s=2 * HOUR)
    step(ledger, [failing()], 0)
    assert step(ledger, [passing()], 60) == [("resolved", "thermo1", 0)]
    assert step(ledger, [passing()], 120) == []
    assert step(ledger, [failing()], 180) == [("alert", "thermo1", 0)]


def test_a_check_that_never_failed_sends_nothing_when_it_passes():
    ledger = AlertLedger(cooldown_s=HOUR)
    assert step(ledger, [passing(), passing("backup")], 0) == []


def test_events_are_throttled_per_subject_and_never_resolved():
    ledger = AlertLedger(cooldown_s=HOUR)
    run = "run_failure"
    assert step(ledger, [failing("raw_file_pipeline on thermo1", run, "event")], 0) == [
        ("alert", "raw_file_pipeline on thermo1", 0)]
    assert step(ledger, [failing("raw_file_pipeline on thermo1", run, "event")], 60) == []
    assert step(ledger, [passing("raw_file_pipeline on thermo1", run, "event")], 120) == []
    assert step(ledger, [failing("raw_file_pipeline on thermo1", run, "event")], HOUR + 1) == [
        ("alert", "raw_file_pipeline on thermo1", 1)]


def test_an_undelivered_alert_is_decided_again():
    ledger = AlertLedger(cooldown_s=HOUR)
    assert [n.kind for n in ledger.decide([failing()], 0)] == ["alert"]  # not marked sent: Slack refused it
    assert [n.kind for n in ledger.decide([failing()], 60)] == ["alert"]


def test_memory_is_bounded_and_the_ledger_survives_a_restart():
    ledger = AlertLedger(cooldown_s=HOUR, max_subjects=10)
    for i in range(50):
        step(ledger, [failing(f"raw{i}")], float(i))
    assert len(ledger.entries) == 10
    assert set(ledger.entries) == {f"location_health:free_space|raw{i}" for i in range(40, 50)}
    step(ledger, [failing("e", "run_failure", "event")], 60)
    restored = AlertLedger.from_json(ledger.to_json(), HOUR, now=60 + HOUR, max_subjects=10)
    assert "run_failure|e" not in restored.entries  # events older than the cooldown are dropped
    assert step(restored, [failing("raw49")], 60 + HOUR) == [("reminder", "raw49", 0)]
    assert AlertLedger.from_json("{not json", HOUR, now=0).entries == {}


def test_environment_link_and_channel_mention():
    ledger = AlertLedger(cooldown_s=HOUR)
    low_proteins = Observation("q:quality", "raw1", True, "proteins low", None, "state", "WARN")
    notices = ledger.decide([failing(), low_proteins], 0)
    [error, warning] = compose(notices, "production", production=True, max_messages=5)
    assert error.text.startswith("<!channel> [production] :red_circle: *Low disk space* (thermo1): only 10 GB free")
    assert error.text.endswith("<http://ui/x|open in Dagster>")
    assert warning.text.startswith("[production] :warning:")  # warnings never page the channel
    [sandbox] = compose(notices[:1], "sandbox", production=False, max_messages=5)
    assert sandbox.text.startswith("[sandbox] :red_circle:")


def test_many_alerts_at_once_become_a_digest():
    ledger = AlertLedger(cooldown_s=HOUR)
    notices = ledger.decide([failing(f"inst{i}") for i in range(40)], 0)
    messages = compose(notices, "local", production=False, max_messages=5)
    assert len(messages) == 5
    digest = messages[-1]
    assert len(digest.notices) == 36 and digest.text.startswith("[local] 36 more alert updates at once:")
    assert "and 6 more" in digest.text
    assert sum(len(m.notices) for m in messages) == 40


def test_suppression_rules_match_by_substring_and_expire(tmp_path):
    path = tmp_path / "suppressions.yaml"
    path.write_text(
        "suppressions:\n"
        "  - alert: free_space\n    subject: thermo\n    until: 2030-01-01T00:00:00Z\n"
        "  - alert: run_failure\n    message: network blip\n"
    )
    rules = load_suppressions(path)
    observations = [failing("thermo1"), failing("bruker1"),
                    failing("x", "run_failure", "event", "network blip"), failing("y", "run_failure", "event", "disk")]
    kept, suppressed = split_suppressed(observations, rules, datetime(2029, 1, 1, tzinfo=UTC))
    assert [o.subject for o in suppressed] == ["thermo1", "x"] and [o.subject for o in kept] == ["bruker1", "y"]
    kept, _ = split_suppressed(observations, rules, datetime(2030, 1, 2, tzinfo=UTC))
    assert [o.subject for o in kept] == ["thermo1", "bruker1", "y"]
    assert load_suppressions(tmp_path / "absent.yaml") == []


def test_a_broken_suppressions_file_names_the_file_and_the_rule(tmp_path):
    path = tmp_path / "suppressions.yaml"
    path.write_text("suppressions:\n  - alert: free_space\n    sujbect: thermo1\n")
    with pytest.raises(SuppressionFileError, match=r"suppressions.yaml: suppressions\[0\]"):
        load_suppressions(path)
