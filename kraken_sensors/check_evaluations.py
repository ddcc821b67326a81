"""New asset check evaluations since a cursor, read from the asset check execution table.

That table lives in the index database of every Dagster storage (SQLite too, whose event log is otherwise
sharded per run), and its ids grow across runs, so one integer is a sound cursor. An execution is recorded as
PLANNED when its run starts and completed later under the same id: planned ids are remembered (for at most
`PENDING_MAX_AGE_S`) and reported once they complete.

The rows above the cursor are read by primary key, so a tick costs what is new, however long the history
(Dagster's public per-check history reads newest first and, on SQLite, sorts every execution of the check).
Every Dagster event log storage (SQLite, PostgreSQL, in-memory) is a SqlEventLogStorage.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dagster import AssetCheckKey, AssetKey, DagsterInstance
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_fetch_mappings, db_select

PAGE = 512
PENDING_MAX_AGE_S = 3600
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


def _rows_above(
    storage: SqlEventLogStorage, low: int, keys: set[AssetCheckKey], wanted: Callable[[int], bool]
) -> tuple[list[AssetCheckExecutionRecord], int]:
    """Rows above `low` of these checks whose id is `wanted` (only those are deserialized)."""
    table = AssetCheckExecutionsTable
    records, after = [], low
    while True:
        query = db_select([table.c.id, table.c.asset_key, table.c.check_name, table.c.partition, table.c.run_id,
                           table.c.execution_status, table.c.evaluation_event, table.c.create_timestamp])
        query = query.where(table.c.id > after).order_by(table.c.id.asc()).limit(PAGE)
        with storage.index_connection() as conn:
            rows = db_fetch_mappings(conn, query)
        for row in rows:
            key = AssetCheckKey(AssetKey.from_db_string(row["asset_key"]), row["check_name"])
            if key in keys and wanted(row["id"]):
                records.append(AssetCheckExecutionRecord.from_db_row(row, key=key))
        if rows:
            after = rows[-1]["id"]
        if len(rows) < PAGE:
            return records, after


def read_new_evaluations(
    instance: DagsterInstance, check_keys: list[AssetCheckKey], cursor: CheckCursor, now: float | None = None
) -> tuple[list[AssetCheckExecutionRecord], CheckCursor]:
    """Completed evaluations not yet reported, oldest first, and the cursor that follows them."""
    now = now or time.time()
    low = min([cursor.after, *(pending_id - 1 for pending_id in cursor.pending)])
    storage = instance.event_log_storage
    if not isinstance(storage, SqlEventLogStorage):
        raise TypeError(f"asset check alerts need a SQL event log storage, not {type(storage).__name__}")

    def is_new(execution_id: int) -> bool:
        return execution_id > cursor.after or execution_id in cursor.pending

    records, highest = _rows_above(storage, low, set(check_keys), is_new)
    completed, pending = [], {}
    for record in records:
        if record.status == AssetCheckExecutionRecordStatus.PLANNED:
            if now - record.create_timestamp < PENDING_MAX_AGE_S:
                pending[record.id] = record.create_timestamp
        elif record.event is not None:
            completed.append(record)
    if len(pending) > PENDING_MAX:
        pending = dict(sorted(pending.items())[-PENDING_MAX:])
    completed.sort(key=lambda r: r.id)
    return completed, CheckCursor(max(cursor.after, highest), pending)
