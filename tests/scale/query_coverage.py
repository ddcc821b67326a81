"""Capture the reads the product sends to MongoDB, and say which declared index serves each (MongoDB's rules).

`ReadRecorder` is a pymongo command listener: every `find`/`aggregate`/`count`/`distinct` sent while a source is
set is kept with its source (e.g. "companion /overview"). `serving_index` applies MongoDB's prefix rule to the
indexes declared for the record (`kraken_core.record.indexes.declared_indexes`): equality fields
(`$eq`, `$in`, a plain value) first, then one range or the sort. `nx_plan` asks the nx-27017 test server for its
SQLite plan ("SEARCH ... USING INDEX" or "SCAN"), which shows what that server does, not what MongoDB would.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pymongo import monitoring
from pymongo.database import Database

from kraken_core.record.indexes import declared_indexes as record_indexes

READS = {"find", "aggregate", "count", "distinct"}
# collections of tens to hundreds of documents (per instrument, project or settings version): a scan is fine
SMALL_COLLECTIONS = {"kraken_status", "project", "settings", "project_settings"}
RANGE_OPS = {"$gt", "$gte", "$lt", "$lte"}


@dataclass(frozen=True)
class Read:
    source: str
    collection: str
    command: str
    filter: dict[str, Any]
    sort: list[tuple[str, int]]
    limit: int


@dataclass(frozen=True)
class Served:
    index: str | None
    equality_fields: int
    sort_from_index: bool


class ReadRecorder(monitoring.CommandListener):
    def __init__(self, database: str):
        self.database = database
        self.current: str | None = None
        self.reads: list[Read] = []

    @contextmanager
    def source(self, name: str) -> Iterator[None]:
        self.current = name
        try:
            yield
        finally:
            self.current = None

    def started(self, event) -> None:
        if self.current is None or event.command_name not in READS or event.database_name != self.database:
            return
        cmd = copy.deepcopy(dict(event.command))
        collection = cmd[event.command_name]
        if event.command_name == "aggregate":
            stages = cmd.get("pipeline", [])
            match = stages[0].get("$match", {}) if stages else {}
            sort = next((list(s["$sort"].items()) for s in stages[1:2] if "$sort" in s), [])
            self.reads.append(Read(self.current, collection, "aggregate", match, sort, 0))
        else:
            self.reads.append(Read(self.current, collection, event.command_name, cmd.get("filter", cmd.get("query", {})),
                                   list((cmd.get("sort") or {}).items()), int(cmd.get("limit") or 0)))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


def declared_indexes(collection: str) -> dict[str, list[str]]:
    models = record_indexes().get(collection, [])
    found = {"_id_": ["_id"]}
    for model in models:
        found[model.document["name"]] = list(model.document["key"])
    return found


def _kind(value: Any) -> str:
    if isinstance(value, dict) and value and all(str(k).startswith("$") for k in value):
        ops = set(value)
        if ops <= {"$eq", "$in"}:
            return "eq"
        if ops <= RANGE_OPS:
            return "range"
        return "other"
    return "eq"


def serving_index(read: Read) -> Served:
    """The declared index MongoDB would use for this read, or `Served(None, ...)` when it would scan."""
    filter_, sort_fields = read.filter, [field for field, _ in read.sort]
    best = Served(None, 0, False)
    for name, keys in declared_indexes(read.collection).items():
        eq = 0
        while eq < len(keys) and keys[eq] in filter_ and _kind(filter_[keys[eq]]) == "eq":
            eq += 1
        rest = keys[eq:]
        sort_ok = bool(sort_fields) and rest[: len(sort_fields)] == sort_fields
        ranged = bool(rest) and rest[0] in filter_ and _kind(filter_[rest[0]]) == "range"
        if not (eq or sort_ok or ranged):
            continue
        candidate = Served(name, eq + int(ranged and not sort_ok), sort_ok or not sort_fields)
        if (candidate.equality_fields, candidate.sort_from_index) > (best.equality_fields, best.sort_from_index) \
                or best.index is None:
            best = candidate
    return best


def needs_index(read: Read) -> bool:
    if read.command == "count" and not read.filter:  # estimated_document_count: the collection's metadata
        return False
    return read.collection not in SMALL_COLLECTIONS


def nx_plan(db: Database, read: Read) -> str:
    """What the test server reports for a `find`: its SQLite plan lines, joined."""
    if read.command != "find":
        return "not reported (nx-27017 answers aggregate explains with an empty plan)"
    command: dict[str, Any] = {"find": read.collection, "filter": read.filter}
    if read.sort:
        command["sort"] = dict(read.sort)
    if read.limit:
        command["limit"] = read.limit
    answer = db.command("explain", command, verbosity="queryPlanner")
    plan = answer.get("queryPlanner", {}).get("winningPlan", [])
    details = [step.get("detail", "") for step in plan] if isinstance(plan, list) else [str(plan)]
    return "; ".join(d for d in details if d.startswith(("SEARCH", "SCAN")) and "json_each" not in d)


def shape(read: Read) -> str:
    def show(value: Any) -> str:
        kind = _kind(value)
        if kind == "eq":
            return "$in" if isinstance(value, dict) and "$in" in value else "="
        return "range" if kind == "range" else "/".join(sorted(value))

    fields = ", ".join(f"{k} {show(v)}" for k, v in read.filter.items()) or "{}"
    sort = f" sort {', '.join(f'{f} {d:+d}' for f, d in read.sort)}" if read.sort else ""
    limit = f" limit {read.limit}" if read.limit else ""
    return f"{read.collection}.{read.command}({fields}){sort}{limit}"
