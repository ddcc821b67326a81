"""The check-evaluation cursor: an evaluation made while its run is still going is reported once the run has
ended, and only once; history from before the sensor started is not replayed."""

import dagster as dg

from kraken_sensors.check_evaluations import CheckCursor, newest_cursor, read_new_evaluations

KEY = dg.AssetCheckKey(dg.AssetKey("probe"), "ok")
seen_while_running: dict = {}


@dg.asset(key="probe", check_specs=[dg.AssetCheckSpec("ok", asset="probe")])
def probe(context: dg.AssetExecutionContext):
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="ok", passed=False, description="probe failed")
    if "cursor" in seen_while_running:
        cursor = CheckCursor.from_json(seen_while_running["cursor"])
        entries, following = read_new_evaluations(context.instance, [KEY], cursor)
        seen_while_running.update(entries=entries, next=following)


def test_evaluation_is_reported_when_its_run_ends_and_only_once(instance):
    seen_while_running.clear()
    dg.materialize([probe], instance=instance)  # history from before the sensor
    start = newest_cursor(instance)
    assert read_new_evaluations(instance, [KEY], start)[0] == []
    seen_while_running["cursor"] = start.to_json()
    dg.materialize([probe], instance=instance)
    assert seen_while_running["entries"] == []  # the evaluation exists, its run has not ended

    entries, after = read_new_evaluations(instance, [KEY], seen_while_running["next"])
    assert [e.dagster_event.event_specific_data.description for e in entries] == ["probe failed"]
    again, _ = read_new_evaluations(instance, [KEY], CheckCursor.from_json(after.to_json()))
    assert again == []


def test_other_checks_are_left_out(instance):
    start = newest_cursor(instance)
    dg.materialize([probe], instance=instance)
    other = dg.AssetCheckKey(dg.AssetKey("probe"), "other")
    assert read_new_evaluations(instance, [other], start)[0] == []
    assert len(read_new_evaluations(instance, [KEY, other], start)[0]) == 1
