"""The check-evaluation cursor: an evaluation still running when the sensor looks is reported once it completes."""

import dagster as dg

from kraken_sensors.check_evaluations import CheckCursor, newest_execution_id, read_new_evaluations

KEY = dg.AssetCheckKey(dg.AssetKey("probe"), "ok")
seen_while_running: dict = {}


@dg.asset(key="probe", check_specs=[dg.AssetCheckSpec("ok", asset="probe")])
def probe(context: dg.AssetExecutionContext):
    if "cursor" in seen_while_running:
        cursor = CheckCursor.from_json(seen_while_running["cursor"])
        records, following = read_new_evaluations(context.instance, [KEY], cursor)
        seen_while_running.update(records=records, next=following)
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="ok", passed=False, description="probe failed")


def test_planned_evaluation_is_reported_when_it_completes_and_only_once(instance):
    seen_while_running.clear()
    dg.materialize([probe], instance=instance)  # history from before the sensor
    start = CheckCursor(newest_execution_id(instance, [KEY]))
    seen_while_running["cursor"] = start.to_json()
    dg.materialize([probe], instance=instance)
    assert seen_while_running["records"] == []  # still PLANNED while the step runs
    pending = seen_while_running["next"]
    assert len(pending.pending) == 1

    records, after = read_new_evaluations(instance, [KEY], pending)
    assert [r.event.dagster_event.event_specific_data.description for r in records] == ["probe failed"]
    assert after.pending == {}
    again, _ = read_new_evaluations(instance, [KEY], CheckCursor.from_json(after.to_json()))
    assert again == []
