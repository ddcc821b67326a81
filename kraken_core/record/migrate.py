"""Rewrite a record into AlphaKraken's shape: `python -m kraken_core.record.migrate [--dry-run]`.

The platform reads both shapes, so migrating is optional; afterwards the record has one shape, which AlphaKraken
itself can read again. What is rewritten:

- `metrics`: fields under this platform's older names (`ms1_error`, `pg_intensity_sum`, ...) or AlphaDIA's
  dotted column names get AlphaKraken's names (`optimization:ms1_error`, `pg:intensity_sum`, ...). When a
  document holds both names with different values, the new name keeps its value and the old one is kept in
  `migrated_conflicts` as `[old name, value]`: nothing is lost.
- `project_settings`: this platform's `project_id` / `scopes` / `excluded_scopes` / list filters become
  AlphaKraken's `project`, `scope`, `excluded` and one `raw_file_id_filter` string. An assignment with several
  scopes or several include filters becomes one assignment per combination (AlphaKraken matches the same files).
- `settings`: status `archived` becomes `inactive`; `version`, `software_type`, `metrics_type`, `job_engine` and a
  unique `number` are filled in where missing. String `_id`s of versions created here before the switch stay (every
  reference to them stays valid; AlphaKraken follows references by value).

Idempotent: a second run finds nothing to change. Dump the record first (`python -m kraken_core.record.backup_cli
dump <folder>`); the database comes from `MONGO_*` as for every command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from bson import ObjectId
from pymongo import ReplaceOne
from pymongo.database import Database

from kraken_core.quanting.metric_names import alphakraken_name
from kraken_core.settings_resolution import ALL_SCOPE, INACTIVE_STATUSES

BATCH = 500
OLD_ASSIGNMENT_FIELDS = ("project_id", "scopes", "excluded_scopes")


@dataclass
class MigrationReport:
    dry_run: bool
    examined: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    renamed_metrics: dict[str, int] = field(default_factory=dict)  # "old -> new": documents
    conflicts: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not any(self.changed.values()) and not any(self.created.values())

    def lines(self) -> list[str]:
        verb = "would change" if self.dry_run else "changed"
        lines = [f"{collection}: {self.examined.get(collection, 0)} examined, {self.changed.get(collection, 0)} {verb}"
                 + (f", {self.created[collection]} {'would be ' if self.dry_run else ''}created"
                    if self.created.get(collection) else "")
                 for collection in ("metrics", "project_settings", "settings")]
        lines += [f"  metrics field {rename}: {count} document(s)" for rename, count in sorted(self.renamed_metrics.items())]
        if self.conflicts:
            lines.append(f"  {self.conflicts} metrics document(s) held an old and a new name with different values: "
                         "the new value stays, the old one is kept in `migrated_conflicts`")
        lines += [f"  {note}" for note in self.notes]
        lines.append("nothing to migrate: the record is in AlphaKraken's shape" if self.nothing_to_do else
                     ("dry run: nothing was written; run without --dry-run to apply" if self.dry_run else "done"))
        return lines


def _batches(db: Database, collection: str) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for doc in db[collection].find({}).sort("_id", 1):
        batch.append(doc)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def migrated_metrics(doc: dict[str, Any], report: MigrationReport | None = None) -> dict[str, Any] | None:
    """The document under AlphaKraken's metric names, or None when it already has them."""
    renames = {name: new for name in doc if (new := alphakraken_name(name)) != name}
    if not renames:
        return None
    result = {name: value for name, value in doc.items() if name not in renames}
    conflicts = list(result.get("migrated_conflicts") or [])
    for old, new in renames.items():
        value = doc[old]
        if result.get(new) is None:
            result[new] = value
        elif result[new] != value and value is not None:
            conflicts.append([old, value])
        if report is not None:
            key = f"{old} -> {new}"
            report.renamed_metrics[key] = report.renamed_metrics.get(key, 0) + 1
    if conflicts:
        result["migrated_conflicts"] = conflicts
        if report is not None:
            report.conflicts += 1
    return result


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value if v]


def migrated_assignments(doc: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The assignment in AlphaKraken's shape (several when it had several scopes or include filters), or None
    when it already has that shape."""
    if not any(name in doc for name in OLD_ASSIGNMENT_FIELDS) and not isinstance(doc.get("raw_file_id_filter"), list):
        return None
    scopes = [doc["scope"]] if doc.get("scope") else (_as_list(doc.get("scopes")) or [ALL_SCOPE])
    filters = _as_list(doc.get("raw_file_id_filter")) or [""]
    excluded = sorted(set(_as_list(doc.get("excluded"))) | set(_as_list(doc.get("excluded_scopes"))))
    base = {name: value for name, value in doc.items() if name not in OLD_ASSIGNMENT_FIELDS}
    base.update(project=doc.get("project") or doc.get("project_id"), excluded=excluded)
    result = []
    for index, (scope, include) in enumerate(product(scopes, filters)):
        result.append({**base, "_id": doc["_id"] if index == 0 else ObjectId(), "scope": scope,
                       "raw_file_id_filter": include})
    return result


def migrated_settings(doc: dict[str, Any], next_number: Iterator[int]) -> dict[str, Any] | None:
    """The settings version with AlphaKraken's status and required fields, or None when nothing is missing."""
    updates: dict[str, Any] = {}
    if doc.get("status") in INACTIVE_STATUSES and doc.get("status") != "inactive":
        updates["status"] = "inactive"
    if "version" not in doc:
        updates["version"] = 1
    software_type = doc.get("software_type") or "alphadia"
    if not doc.get("software_type"):
        updates["software_type"] = software_type
    if not doc.get("metrics_type"):
        updates["metrics_type"] = software_type
    if not doc.get("job_engine"):
        updates["job_engine"] = "slurm"
    if not isinstance(doc.get("number"), int) or doc["number"] < 1:
        updates["number"] = next(next_number)
    return {**doc, **updates} if updates else None


def _numbers(db: Database) -> Iterator[int]:
    highest = db.settings.find_one({"number": {"$type": "number"}}, {"number": 1}, sort=[("number", -1)])
    number = max(int((highest or {}).get("number") or 0), 0)
    while True:
        number += 1
        yield number


def migrate(db: Database, *, dry_run: bool) -> MigrationReport:
    report = MigrationReport(dry_run=dry_run)

    for collection in ("metrics", "project_settings", "settings"):
        report.examined[collection] = report.changed[collection] = report.created[collection] = 0

    for batch in _batches(db, "metrics"):
        report.examined["metrics"] += len(batch)
        writes = [ReplaceOne({"_id": doc["_id"]}, new) for doc in batch if (new := migrated_metrics(doc, report))]
        report.changed["metrics"] += len(writes)
        if writes and not dry_run:
            db.metrics.bulk_write(writes, ordered=False)

    inactive_ids = {s["_id"] for s in db.settings.find({"status": {"$in": sorted(INACTIVE_STATUSES)}}, {"_id": 1})}
    for batch in _batches(db, "project_settings"):
        report.examined["project_settings"] += len(batch)
        for doc in batch:
            if doc.get("settings") in inactive_ids:
                report.notes.append(f"assignment {doc['_id']} (project {doc.get('project') or doc.get('project_id')}) "
                                    f"names inactive settings {doc.get('settings')}: AlphaKraken ran them, this "
                                    "platform does not; assign an active version or remove the assignment")
            new = migrated_assignments(doc)
            if new is None:
                continue
            report.changed["project_settings"] += 1
            report.created["project_settings"] += len(new) - 1
            if not dry_run:
                db.project_settings.replace_one({"_id": doc["_id"]}, new[0])
                if new[1:]:
                    db.project_settings.insert_many(new[1:])

    numbers = _numbers(db)
    for batch in _batches(db, "settings"):
        report.examined["settings"] += len(batch)
        writes = [ReplaceOne({"_id": doc["_id"]}, new) for doc in batch if (new := migrated_settings(doc, numbers))]
        report.changed["settings"] += len(writes)
        if writes and not dry_run:
            db.settings.bulk_write(writes, ordered=False)
    return report


def main(argv: list[str] | None = None) -> int:
    from kraken_core.config import load_environment
    from kraken_core.record.connection import open_client
    from kraken_core.record.environment_settings import mongo_settings

    parser = argparse.ArgumentParser(prog="python -m kraken_core.record.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    parser.add_argument("--database", help="database name (default: MONGO_DB)")
    args = parser.parse_args(argv)
    settings = mongo_settings(load_environment(), database=args.database)
    client = open_client(settings)
    try:
        report = migrate(client[settings.database], dry_run=args.dry_run)
    finally:
        client.close()
    print(f"{'dry run on' if args.dry_run else 'migrated'} {settings.describe()}")
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
