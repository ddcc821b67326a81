"""Time windows read through a sorted index give exactly what the range query gives, on the record's server."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel

from kraken_core.record import time_window as window_module
from kraken_core.record.record_reads import metrics_documents
from kraken_core.record.time_window import count_matching, position_where, time_window

START = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def events(mongo_db):
    """400 documents of two instruments at uneven times, with ties and a few without a time."""
    docs = []
    for n in range(400):
        doc = {"_id": f"e{n:04d}", "instrument_id": "a" if n % 3 else "b", "n": n}
        if n % 97 != 5:
            doc["at"] = START + timedelta(minutes=n * 7 - (n % 4) * 3 + (n // 50) * 600)  # ties where n%4 lines up
        docs.append(doc)
    mongo_db.events.insert_many(docs)
    mongo_db.events.create_indexes([IndexModel([("instrument_id", ASCENDING), ("at", ASCENDING)]),
                                    IndexModel([("at", ASCENDING)])])
    return mongo_db.events


def _range_query(collection, instrument, since, until, newest_first, limit):
    query = {}
    if instrument:
        query["instrument_id"] = instrument
    when = {**({"$gte": since} if since else {}), **({"$lte": until} if until else {})}
    if when:
        query["at"] = when
    order = DESCENDING if newest_first else ASCENDING
    cursor = collection.find(query).sort([("at", order), ("_id", order)])
    return [d["_id"] for d in (cursor.limit(limit) if limit else cursor)]


@pytest.mark.parametrize("small_pages", [False, True])
def test_every_window_holds_what_the_range_query_holds_in_the_same_order(events, monkeypatch, small_pages):
    if small_pages:  # many pages, and a page that ends inside a run of equal times
        monkeypatch.setattr(window_module, "FIRST_PAGE", 3)
        monkeypatch.setattr(window_module, "LARGEST_PAGE", 7)
        monkeypatch.setattr(window_module, "PROBE", 2)
    times = sorted(d["at"] for d in events.find({"at": {"$exists": True}}))
    bounds = [None, times[0], times[17], times[200] + timedelta(seconds=1), times[-3], times[-1],
              times[0] - timedelta(days=1), times[-1] + timedelta(days=1)]
    checked = 0
    for since, until in itertools.product(bounds, bounds):
        if since and until and since > until:
            continue
        for instrument, newest_first, limit in itertools.product((None, "b"), (True, False), (None, 1, 25)):
            expected = _range_query(events, instrument, since, until, newest_first, limit)
            got = time_window(events, {"instrument_id": instrument}, "at", newest_first=newest_first, since=since,
                              until=until, limit=limit, then_by="_id")
            assert [d["_id"] for d in got] == expected, (instrument, since, until, newest_first, limit)
            checked += 1
    assert checked > 300


def test_a_window_without_bounds_keeps_the_documents_without_a_time(events):
    newest_first = time_window(events, {}, "at", newest_first=True, then_by="_id")
    assert len(newest_first) == 400
    assert [d["_id"] for d in newest_first[-5:]] == sorted((d["_id"] for d in events.find({"at": None})), reverse=True)


def test_the_projection_is_kept_and_an_excluded_id_stays_out(events):
    since = START + timedelta(days=1)
    docs = time_window(events, {"instrument_id": "a"}, "at", newest_first=True, since=since,
                       projection={"_id": 0, "n": 1})
    assert docs and all(set(d) == {"n", "at"} for d in docs)
    assert all(d["at"] >= since for d in docs)


@pytest.mark.parametrize("probe", [1, 5, 1000])
@pytest.mark.parametrize("newest_first", [True, False])
def test_a_position_search_finds_where_a_time_is_passed(events, monkeypatch, probe, newest_first):
    """For every bound (before, between, on and after the documents' times, on ties), the search gives how many
    documents of the order come before it: what reading the whole order gives."""
    monkeypatch.setattr(window_module, "PROBE", probe)
    order = DESCENDING if newest_first else ASCENDING
    sort = [("at", order), ("_id", order)]
    for instrument in (None, "a"):
        query = {"instrument_id": {"$eq": instrument}} if instrument else {}
        times = [d.get("at") for d in events.find(query).sort(sort)]
        known = sorted(t for t in times if t is not None)
        bounds = {known[0] - timedelta(days=1), known[-1] + timedelta(days=1), *known[::17], *known[:2], *known[-2:],
                  *(t + timedelta(seconds=1) for t in known[3::23])}
        for bound in bounds:
            def before(when, bound=bound):
                if when is None:
                    return not newest_first
                return when > bound if newest_first else when < bound
            expected = next((i for i, t in enumerate(times) if not before(t)), len(times))
            found = position_where(events, query, sort, "at", before, bound, count_matching(events, query))
            assert found == expected, (instrument, bound, probe)


def test_metrics_of_raw_files_are_found_by_name_range_or_one_by_one(mongo_db):
    """Ids close in name order are read as one range; ids far apart (the range holds many more) one by one: both
    give every document of the ids and no other."""
    names = [f"20260{m}{d:02d}_thermo1_sample{n}.raw" for m in range(1, 6) for d in range(1, 29) for n in range(3)]
    mongo_db.metrics.insert_many([{"raw_file": name, "settings_version": v} for name in names for v in (1, 2)])
    mongo_db.metrics.create_index("raw_file")
    close = names[10:40] + ["not_in_the_record.raw"]
    far = names[::40]
    for ids in (close, far, names[:1], []):
        got = sorted((d["raw_file"], d["settings_version"]) for d in metrics_documents(mongo_db, ids, None))
        expected = sorted((d["raw_file"], d["settings_version"])
                          for d in mongo_db.metrics.find({"raw_file": {"$in": ids}}))
        assert got == expected and len(got) == 2 * len(set(ids) & set(names))
