"""Reads behind the companion pages: metrics joins, lags and ETAs on the real MongoDB server."""

from datetime import UTC, datetime, timedelta

from kraken_ui_ext.companion.overview import OverviewFilters, build_overview
from kraken_ui_ext.companion.record_views import RANGE_JOIN_MIN_IDS, latest_metrics
from tests.support.ui_record import seed_record


def test_range_join_finds_the_same_newest_metrics_as_the_id_lookup(mongo_db):
    now = seed_record(mongo_db, RANGE_JOIN_MIN_IDS + 100, spacing=timedelta(minutes=2))
    docs = list(mongo_db.raw_file.find({}, {"created_at": 1}).sort("created_at", -1))
    ids = [d["_id"] for d in docs[:RANGE_JOIN_MIN_IDS + 50]]  # the oldest 50 are not asked for
    requantified = next(m["raw_file"] for m in mongo_db.metrics.find({"raw_file": {"$in": ids}}).limit(1))
    mongo_db.metrics.insert_one({"raw_file": requantified, "proteins": 1.0, "settings_name": "rerun",
                                 "created_at_": now + timedelta(minutes=5)})
    oldest = min(d["created_at"] for d in docs[:RANGE_JOIN_MIN_IDS + 50])
    by_range = latest_metrics(mongo_db, ids, ["proteins"], since=oldest)
    by_ids = latest_metrics(mongo_db, ids, ["proteins"])
    assert by_range == by_ids and len(by_ids) > 100
    assert by_range[requantified]["settings_name"] == "rerun" and set(by_range) <= set(ids)


def test_lag_for_finished_files_and_eta_from_the_instruments_median(mongo_db):
    now = datetime.now(UTC)
    base = {"project_id": "P", "size": 1, "instrument_id": "thermo1"}
    mongo_db.raw_file.insert_many([
        {"_id": "a.raw", **base, "status": "done", "created_at": now - timedelta(hours=5),
         "updated_at_": now - timedelta(hours=4)},
        {"_id": "b.raw", **base, "status": "done", "created_at": now - timedelta(hours=4),
         "updated_at_": now - timedelta(hours=2)},
        {"_id": "c.raw", **base, "status": "done", "created_at": now - timedelta(hours=3),
         "updated_at_": now - timedelta(hours=1)},
        {"_id": "d.raw", **base, "status": "quanting", "created_at": now - timedelta(minutes=30),
         "updated_at_": now},
    ])
    # a timestamp written by $set on an existing document may come back as a string from the wire server
    mongo_db.raw_file.update_one({"_id": "c.raw"}, {"$set": {"updated_at_": now - timedelta(hours=1)}})
    rows = {r.raw_file_id: r for r in build_overview(mongo_db, OverviewFilters(), now).rows}
    assert rows["a.raw"].lag == timedelta(hours=1)
    assert abs(rows["c.raw"].lag - timedelta(hours=2)) < timedelta(seconds=1)
    assert rows["d.raw"].lag is None
    assert abs(rows["d.raw"].eta - (now + timedelta(hours=1, minutes=30))) < timedelta(seconds=1)
    assert rows["d.raw"].lag_text(now).startswith("ETA")
