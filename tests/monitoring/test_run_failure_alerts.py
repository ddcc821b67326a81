"""A failed run: one message with a link to the run; more failures of the same job and instrument within the
cooldown are counted, not posted."""

from __future__ import annotations

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.raw_file import raw_file


def fail_raw_file_run(harness, instance, raw_file_id: str) -> dg.DagsterRun:
    """Materialize `raw_file` for a partition the record does not know: a real run of the product that fails."""
    instance.add_dynamic_partitions(raw_files_partitions.name, [raw_file_id])
    result = dg.materialize([raw_file], partition_key=raw_file_id, resources=harness.resources, instance=instance,
                            tags={"instrument": "thermo1"}, raise_on_error=False)
    assert not result.success
    return instance.get_run_by_id(result.run_id)


def evaluate_run_failure_sensor(harness, instance, run: dg.DagsterRun) -> None:
    [failure] = [
        record.event_log_entry.dagster_event
        for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    ]
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alerts", dagster_event=failure, dagster_instance=instance, dagster_run=run,
        resources=harness.resources,
    ).for_run_failure()
    harness.run_failure_sensor(context)


def test_failed_run_is_posted_once_with_its_link(harness, instance, slack):
    run = fail_raw_file_run(harness, instance, "20240301_PRJ1_missing.raw")
    evaluate_run_failure_sensor(harness, instance, run)
    [message] = slack.messages
    assert message.text.startswith("[test] ")
    assert "Run failed" in message.text and "20240301_PRJ1_missing.raw" in message.text
    assert "is not in the record" in message.text
    assert f"<http://dagster.example:3000/runs/{run.run_id}|open in Dagster>" in message.text

    second = fail_raw_file_run(harness, instance, "20240301_PRJ1_other.raw")
    evaluate_run_failure_sensor(harness, instance, second)
    assert len(slack.messages) == 1


def test_failures_within_the_cooldown_are_counted_in_the_next_message(make_harness, instance, slack):
    harness = make_harness(monitoring={"alert_cooldown_m": 0.001})  # 60 ms: every failure is after the cooldown
    first = fail_raw_file_run(harness, instance, "a.raw")
    evaluate_run_failure_sensor(harness, instance, first)
    second = fail_raw_file_run(harness, instance, "b.raw")
    evaluate_run_failure_sensor(harness, instance, second)
    assert len(slack.messages) == 2 and second.run_id in slack.messages[1].text
