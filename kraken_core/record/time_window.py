"""Documents of a time window, read through a sorted index in pages.

MongoDB answers a time range (`{"created_at": {"$gte": since}}`) from its index. The MongoDB-compatible wire server
of `make run` and the tests does not: it compares the date of every document of the collection (0.4 s at 200,000
raw files, however short the window). Both answer a sort on an indexed field with skip and limit from the index.
So a window is read here as positions in the sorted order: where it begins is found by a search of short reads
around interpolated positions (usually none: most windows start at the newest document), then pages are read until
a document falls outside it. Equalities go with the sort as `$eq` (the wire server's index serves only that form),
and the index must start with them and the time field (tests/scale/test_query_shapes.py checks every read has one).

A document written while the pages are read may shift a later page by one place: a document already read is then
not kept twice. The window is as up to date as its last page. Times are read with `record_datetime` (the wire
server keeps a date set by `$set` on an existing document as text); the time fields read here are written once,
when their document is inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

from kraken_core.record.timestamps import record_datetime

FIRST_PAGE = 20  # a window often holds a handful: the first read stays small, and each next one grows 4-fold
LARGEST_PAGE = 4000
MIRROR_SLACK = 16
PROBE = 32  # documents read around an interpolated position: a wrong guess by a few costs no further read


def equal(**fields: Any) -> dict[str, Any]:
    """A query of equalities on the given fields (None: not filtered)."""
    return {name: {"$eq": value} for name, value in fields.items() if value is not None}


def count_matching(collection: Collection, query: Mapping[str, Any]) -> int:
    """How many documents match `query` (equalities): the `count` command, which MongoDB and the wire server answer
    from an index (`count_documents` is an aggregation the wire server runs over every document); without a filter
    the collection's own count."""
    if not query:
        return collection.estimated_document_count()
    return int(collection.database.command("count", collection.name, query=dict(query))["n"])


def sorted_page(collection: Collection, query: Mapping[str, Any], sort: list[tuple[str, int]],
                projection: Mapping[str, Any] | None, skip: int, limit: int) -> list[dict[str, Any]]:
    """The documents of `query` at positions [skip, skip + limit) of the sorted order."""
    if limit <= 0:
        return []
    cursor = collection.find(dict(query), dict(projection) if projection is not None else None)
    return list(cursor.sort(sort).skip(skip).limit(limit))


def position_where(collection: Collection, query: Mapping[str, Any], sort: list[tuple[str, int]], time_field: str,
                   still_before: Callable[[datetime | None], bool], bound: datetime, matching: int,
                   ends: tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None] = (None, None)) -> int:
    """How many of the `matching` documents of `query`, in the sorted order, come before the first one for which
    `still_before(time)` is false (`still_before` must hold on a prefix of the order).

    A search by reads at chosen positions, each read costing about the same however few documents it returns
    (deep positions cost a skip each, hence the fewer reads the better). The times at both ends are read first.
    Documents arrive at a fairly steady pace, so a step guesses the position from the times at the ends of the
    interval still open (interpolation towards `bound`) and reads PROBE documents around the guess, which
    usually hold the answer; every other step halves the interval, so the search takes at most about twice the
    steps of a binary search (18 for 200,000 documents) and usually one or two. `ends`: the first and the last
    document of the order (holding `time_field`), when the caller has read them already."""
    low, high = 0, matching  # positions before `low` come before; positions from `high` on do not
    low_time = high_time = None  # the times just before `low` and at `high`

    def narrow(start: int, docs: list[dict[str, Any]], count: int) -> None:
        """Take in the times of positions [start, start + count); a position past the documents now held (some
        deleted since they were counted) reads as no time."""
        nonlocal low, high, low_time, high_time
        for offset in range(count):
            when = record_datetime(docs[offset].get(time_field)) if offset < len(docs) else None
            if not still_before(when):
                high, high_time = start + offset, when
                return
            low, low_time = start + offset + 1, when

    def read(start: int, count: int) -> None:
        narrow(start, sorted_page(collection, query, sort, {time_field: 1}, start, count), count)

    first, last = ends
    if matching:
        narrow(0, first if first is not None else sorted_page(collection, query, sort, {time_field: 1}, 0, 1), 1)
    if low < high:
        narrow(matching - 1, last if last is not None else _last(collection, query, sort, time_field), 1)
    halve = False
    while low < high:
        if not halve and low_time is not None and high_time is not None and low_time != high_time:
            share = (bound - low_time) / (high_time - low_time)
            guess = low + int(share * (high - low))
            start = max(low, min(guess - PROBE // 2, high - PROBE))
            read(start, min(PROBE, high - start))
        else:
            read((low + high) // 2, 1)
        halve = not halve
    return low


def time_window(collection: Collection, equalities: Mapping[str, Any], time_field: str, *, newest_first: bool,
                since: datetime | None = None, until: datetime | None = None,
                projection: Mapping[str, Any] | None = None, limit: int | None = None,
                then_by: str | None = None) -> list[dict[str, Any]]:
    """The documents with the given field values whose `time_field` lies in [since, until] (either end open),
    newest or oldest first (then by `then_by`, which must be the index's next field: a sort on a field the index
    does not hold makes the wire server sort the documents for every read), at most `limit`. With neither end
    given, documents without the time are included (last when newest first)."""
    query = equal(**equalities)
    order = DESCENDING if newest_first else ASCENDING
    sort = [(time_field, order)] + ([(then_by, order)] if then_by else [])
    bounded = since is not None or until is not None
    start, end = (until, since) if newest_first else (since, until)

    def before_start(when: datetime | None) -> bool:
        if start is None:
            return False
        if when is None:
            return not newest_first  # a missing time sorts first, oldest first
        return when > start if newest_first else when < start

    def past_end(when: datetime | None) -> bool:
        if end is None:
            return False
        if when is None:
            return newest_first
        return when < end if newest_first else when > end

    fields = None
    hide_id = False
    if projection is not None:
        fields = {**projection, time_field: 1}
        hide_id = not fields.get("_id", 1)
        fields["_id"] = 1
    page = FIRST_PAGE if limit is None else min(FIRST_PAGE, limit)
    position = 0
    first_page = None  # the first page, when read to see whether the window starts at the first document
    if not newest_first and since is not None:
        oldest = sorted_page(collection, query, sort, {time_field: 1}, 0, 1)
        newest = _last(collection, query, sort, time_field)
        if _nearer_the_newest(newest, oldest, time_field, since):
            return _shown(_read_from_the_newest_end(collection, query, time_field, since, until, fields, limit,
                                                    then_by, (newest, oldest)), hide_id)
        if oldest and before_start(record_datetime(oldest[0].get(time_field))):
            position = position_where(collection, query, sort, time_field, before_start, start,
                                      count_matching(collection, query), (oldest, newest))
    elif start is not None:
        first_page = sorted_page(collection, query, sort, fields, 0, page)
        if first_page and before_start(record_datetime(first_page[0].get(time_field))):
            position = position_where(collection, query, sort, time_field, before_start, start,
                                      count_matching(collection, query), (first_page[:1], None))
            first_page = None
    kept: list[dict[str, Any]] = []
    seen: set[Any] = set()
    while limit is None or len(kept) < limit:
        size = page if limit is None else min(page, limit - len(kept))
        docs = first_page if first_page is not None else sorted_page(collection, query, sort, fields, position, size)
        first_page = None
        for doc in docs:
            when = record_datetime(doc.get(time_field))
            if past_end(when):
                return _shown(kept, hide_id)
            if before_start(when) or (bounded and when is None) or doc.get("_id") in seen:
                continue  # a document of before the window, moved down by a write since the search
            seen.add(doc.get("_id"))
            kept.append(doc)
            if limit is not None and len(kept) >= limit:
                break
        if len(docs) < size:
            break
        position += len(docs)
        page = min(page * 4, LARGEST_PAGE)
    return _shown(kept, hide_id)


def _last(collection: Collection, query: Mapping[str, Any], sort: list[tuple[str, int]],
          time_field: str) -> list[dict[str, Any]]:
    """The last document of the order (its time only), as the first of the reverse order."""
    return sorted_page(collection, query, [(name, -order) for name, order in sort], {time_field: 1}, 0, 1)


def _nearer_the_newest(newest: list[dict[str, Any]], oldest: list[dict[str, Any]], time_field: str,
                       since: datetime) -> bool:
    """Whether `since` lies nearer the newest document than the oldest (judged by time): an oldest-first window
    from there is then found from the newest end, with shallower skips."""
    newest_time = record_datetime(newest[0].get(time_field)) if newest else None
    oldest_time = record_datetime(oldest[0].get(time_field)) if oldest else None
    if newest_time is None:
        return False
    return oldest_time is None or newest_time - since < since - oldest_time


def _read_from_the_newest_end(collection: Collection, query: Mapping[str, Any], time_field: str, since: datetime,
                              until: datetime | None, fields: Mapping[str, Any] | None, limit: int | None,
                              then_by: str | None,
                              ends: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """An oldest-first window as the newest-first positions it mirrors: from the first document at or after
    `since` (`limit` of them, or all up to `until`), read newest first and turned around. A few documents more
    are read past the window's oldest end, for documents written since the search moved it down. `ends`: the
    newest and the oldest document, as read."""
    order = [(time_field, DESCENDING)] + ([(then_by, DESCENDING)] if then_by else [])
    matching = count_matching(collection, query)
    first = 0 if until is None else position_where(
        collection, query, order, time_field, lambda when: when is not None and when > until, until, matching, ends)
    end = position_where(collection, query, order, time_field, lambda when: when is not None and when >= since,
                         since, matching, ends)
    if limit is not None:
        first = max(first, end - limit)
    docs: list[dict[str, Any]] = []
    position, stop = first, end + MIRROR_SLACK
    while position < stop:
        chunk = sorted_page(collection, query, order, fields, position, min(LARGEST_PAGE, stop - position))
        docs += chunk
        if len(chunk) < min(LARGEST_PAGE, stop - position):
            break
        position += len(chunk)
    kept, seen = [], set()
    for doc in reversed(docs):
        when = record_datetime(doc.get(time_field))
        if when is None or when < since or (until is not None and when > until) or doc.get("_id") in seen:
            continue
        seen.add(doc.get("_id"))
        kept.append(doc)
    return kept if limit is None else kept[:limit]


def _shown(docs: list[dict[str, Any]], hide_id: bool) -> list[dict[str, Any]]:
    if hide_id:
        for doc in docs:
            doc.pop("_id", None)
    return docs
