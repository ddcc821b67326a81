"""The MCP server's only way into the record: `find` on the known collections, nothing else.

Results are materialized lists of plain dicts, never cursors or collections: a pymongo cursor carries its
collection (`cursor.collection`), which could write. Connect with the read-only database user so that even a
bug here cannot change the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.database import Database

COLLECTIONS = frozenset({"raw_file", "metrics", "project", "settings", "project_settings", "kraken_status"})
MAX_DOCUMENTS = 100_000

Filter = Mapping[str, Any]
Sort = Sequence[tuple[str, int]]


class RecordReader:
    """Read-only view of the record. It holds the database privately and offers no method that writes."""

    __slots__ = ("__db",)

    def __init__(self, db: Database) -> None:
        self.__db = db

    def __collection(self, name: str):
        if name not in COLLECTIONS:
            raise ValueError(f"collection {name!r} is not readable here; readable: {', '.join(sorted(COLLECTIONS))}")
        return self.__db[name]

    def find(
        self,
        collection: str,
        filter: Filter,
        *,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        """Matching documents as plain dicts; `limit` 0 means at most MAX_DOCUMENTS."""
        cursor = self.__collection(collection).find(dict(filter), projection)
        if sort:
            cursor = cursor.sort(list(sort))
        cursor = cursor.limit(min(limit, MAX_DOCUMENTS) if limit else MAX_DOCUMENTS)
        return [dict(doc) for doc in cursor]

    def find_one(self, collection: str, filter: Filter, *, projection: Mapping[str, Any] | None = None):
        found = self.find(collection, filter, projection=projection, limit=1)
        return found[0] if found else None
