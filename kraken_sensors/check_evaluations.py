"""New asset check evaluations since a cursor, read from the asset check execution table.

That table lives in the index database of every Dagster storage (SQLite too, whose event log is otherwise
sharded per run), and its ids grow across runs, so one integer is a sound cursor. An execution is recorded as
PLANNED when its run starts and completed later under the same id: planned ids are remembered (for at most
`PENDING_MAX_AGE_S`) and reported once they complete.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from dagster import AssetCheckKey, DagsterInstance
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

PAGE = 100
PENDING_MAX_AGE_S = 6 * 3600
PENDING_MAX = 1000


@dataclass
class CheckCursor:
    after: int = 0
    pending: dict[int, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"after": self.after, "pending": {str(k): v for k, v in self.pending.items()}})

    @classmethod
    def from_json(cls, text: str) -> CheckCursor:
        data = json.loads(text)
        return cls(int(data["after"]), {int(k): float(v) for k, v in data.get("pending", {}).items()})


def newest_execution_id(instance: DagsterInstance, check_keys: list[AssetCheckKey]) -> int:
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    return max((record.id for record in latest.values()), default=0)


def _history_above(instance: DagsterInstance, key: AssetCheckKey, low: int) -> list[AssetCheckExecutionRecord]:
    records, before = [], None
    while True:
        page = instance.event_log_storage.get_asset_check_execution_history(key, limit=PAGE, cursor=before)
        records.extend(r for r in page if r.id > low)
        if len(page) < PAGE or page[-1].id <= low:
            return records
        before = page[-1].id


def read_new_evaluations(
    instance: DagsterInstance, check_keys: list[AssetCheckKey], cursor: CheckCursor, now: float | None = None
) -> tuple[list[AssetCheckExecutionRecord], CheckCursor]:
    """Completed evaluations not yet reported, oldest first, and the cursor that follows them."""
    now = now or time.time()
    low = min([cursor.after, *(pending_id - 1 for pending_id in cursor.pending)])
    completed, pending, newest = [], {}, cursor.after
    for key in check_keys:
        for record in _history_above(instance, key, low):
            newest = max(newest, record.id)
            is_new = record.id > cursor.after or record.id in cursor.pending
            if record.status == AssetCheckExecutionRecordStatus.PLANNED:
                if is_new and now - record.create_timestamp < PENDING_MAX_AGE_S:
                    pending[record.id] = record.create_timestamp
            elif is_new and record.event is not None:
                completed.append(record)
    if len(pending) > PENDING_MAX:
        pending = dict(sorted(pending.items())[-PENDING_MAX:])
    completed.sort(key=lambda r: r.id)
    return completed, CheckCursor(newest, pending)
