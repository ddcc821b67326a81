"""New asset check evaluations since a cursor, read run by run through Dagster's public instance API.

Every check evaluation of this product happens inside a run, and a run's evaluations are final when the run has
ended. So the cursor follows the runs that ended (`fetch_run_status_changes` for success, failure and
cancellation: an indexed read of what is new, in every Dagster storage) and reads each ended run's check
evaluation events (`get_records_for_run`). A tick costs the runs that ended since the last one, however long the
history. An evaluation is reported when its run ends, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import dagster as dg

PAGE = 256
RUN_END_EVENTS = (
    dg.DagsterEventType.RUN_SUCCESS,
    dg.DagsterEventType.RUN_FAILURE,
    dg.DagsterEventType.RUN_CANCELED,
)


@dataclass
class CheckCursor:
    """Per run-end event type, Dagster's cursor after the last run end that was read."""

    after: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"after": self.after})

    @classmethod
    def from_json(cls, text: str) -> CheckCursor:
        data = json.loads(text)
        after = data.get("after")
        # a cursor of the former execution-table reader (an integer) restarts at the newest run end
        return cls(dict(after) if isinstance(after, dict) else {})


def newest_cursor(instance: dg.DagsterInstance) -> CheckCursor:
    """A cursor at the newest run end: what ended before is history and is not read."""
    return CheckCursor({
        event_type.value: instance.fetch_run_status_changes(event_type, limit=1, ascending=False).cursor
        for event_type in RUN_END_EVENTS
    })


def _ended_runs(instance: dg.DagsterInstance, cursor: CheckCursor) -> tuple[list[tuple[int, str]], CheckCursor]:
    """(storage id, run id) of the runs that ended after the cursor, and the cursor after them."""
    ended, after = [], dict(cursor.after)
    for event_type in RUN_END_EVENTS:
        position = after.get(event_type.value)
        if position is None:
            position = instance.fetch_run_status_changes(event_type, limit=1, ascending=False).cursor
        while True:
            result = instance.fetch_run_status_changes(event_type, limit=PAGE, cursor=position, ascending=True)
            ended.extend((record.storage_id, record.run_id) for record in result.records)
            position = result.cursor
            if not result.has_more:
                break
        after[event_type.value] = position
    ended.sort()
    return ended, CheckCursor(after)


def read_new_evaluations(
    instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey], cursor: CheckCursor
) -> tuple[list[dg.EventLogEntry], CheckCursor]:
    """Evaluations of these checks in the runs that ended since the cursor, oldest first, and the next cursor."""
    keys = set(check_keys)
    runs, following = _ended_runs(instance, cursor)
    entries = []
    for _, run_id in runs:
        connection = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        for record in connection.records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data
            if dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name) in keys:
                entries.append(record.event_log_entry)
    return entries, following
