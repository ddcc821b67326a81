"""The companion's in-memory window of recent raw files and metrics answers as the record does, and follows it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.record.record_reads import acquired_between, acquired_since, metrics_documents
from kraken_core.record.requantify import reset_for_requantification
from kraken_core.statuses import RawFileStatus
from kraken_ui_ext.companion import recent_record
from kraken_ui_ext.companion.recent_record import RecentRecord
from kraken_ui_ext.companion.record_views import latest_metrics
from tests.support.ui_record import seed_record

FIELDS = ["proteins", "precursors", "optimization.ms1_error", "ms1_error"]


@pytest.fixture
def record(mongo_db):
    seed_record(mongo_db, 600, spacing=timedelta(minutes=97))  # 40 days, every status
    return mongo_db


def _ids(docs):
    return [d["_id"] for d in docs]


def test_every_window_is_what_the_record_holds(record):
    recent = RecentRecord(record)
    now = datetime.now(UTC)
    for days, scope, limit in [(2, {}, None), (14, {}, None), (30, {"instrument": "bruker1"}, None),
                               (7, {"project": "HELA"}, None), (14, {}, 25), (40, {}, None)]:
        since = now - timedelta(days=days)
        held = recent.acquired_since(since, {"_id": 1}, limit=limit, **scope)
        assert _ids(held) == _ids(acquired_since(record, since, {"_id": 1}, limit=limit, **scope)), (days, scope)
        ids = _ids(held)
        assert recent.latest_metrics(ids, FIELDS) == latest_metrics(record, ids, FIELDS)
    assert len(held) > 400  # the 40-day window reaches before the held 31 days: read from the record


def test_a_selection_of_dates_and_its_metrics_are_what_the_record_holds(record):
    """The mzQC download's reads: raw files acquired between two times, oldest first, and all their metrics."""
    recent = RecentRecord(record)
    now = datetime.now(UTC)
    by_id = lambda d: (d["raw_file"], str(d["_id"]))  # noqa: E731
    for first, last, instrument in [(3, 1, None), (20, 2, "thermo1"), (45, 30, None), (10, 0, "sciex1")]:
        since, until = now - timedelta(days=first), now - timedelta(days=last)
        held = recent.acquired_between({"_id": 1}, instrument=instrument, since=since, until=until)
        read = acquired_between(record, {"_id": 1}, instrument=instrument, since=since, until=until)
        assert _ids(held) == _ids(read) and held, (first, last, instrument)
        ids = _ids(held)
        assert sorted(recent.metrics_documents(ids), key=by_id) == sorted(metrics_documents(record, ids, None),
                                                                          key=by_id)


def test_changes_to_the_record_show_at_the_next_read(record):
    recent = RecentRecord(record)
    now = datetime.now(UTC)
    two_days = lambda: {d["_id"]: d for d in recent.acquired_since(now - timedelta(days=2), {})}  # noqa: E731
    before = two_days()
    running = next(rid for rid, d in before.items() if d["status"] == RawFileStatus.QUANTING)
    finished = next(rid for rid, d in before.items() if d["status"] == RawFileStatus.DONE)

    register_raw_file(record, raw_file_id="new_file.raw", original_name="new_file.raw", collision_flag=None,
                      instrument_id="thermo1", project_id="PRJ1", status=RawFileStatus.MONITORING_ACQUISITION,
                      created_at=datetime.now(UTC))
    update_raw_file(record, running, status=RawFileStatus.QUANTING_FAILED, status_details="TOO_FEW_PSM")
    assert reset_for_requantification(record, finished, "ana") is not None
    record.metrics.insert_one({"raw_file": running, "settings_name": "hela", "settings_version": 3,
                               "proteins": 1234, "created_at_": datetime.now(UTC)})

    after = two_days()
    assert "new_file.raw" in after and after["new_file.raw"]["status"] == RawFileStatus.MONITORING_ACQUISITION
    assert after[running]["status"] == RawFileStatus.QUANTING_FAILED
    assert after[running]["status_details"] == "TOO_FEW_PSM"
    assert after[finished]["status"] != RawFileStatus.DONE  # back in the queue
    assert recent.latest_metrics([running], ["proteins"])[running]["proteins"] == 1234
    assert set(after) == set(_ids(acquired_since(record, now - timedelta(days=2), {"_id": 1})))


def test_metrics_asked_for_on_their_own_are_brought_up_to_date_first(record):
    """An mzQC selection may take its raw files from the record and then ask for their metrics: a metrics document
    written since the window was last read is among them; one that holds nothing reads them from the record."""
    recent = RecentRecord(record)
    now = datetime.now(UTC)
    ids = _ids(recent.acquired_since(now - timedelta(days=1), {"_id": 1}))
    record.metrics.insert_one({"raw_file": ids[0], "settings_name": "late", "settings_version": 9,
                               "proteins": 4321, "created_at_": datetime.now(UTC)})
    by_id = lambda d: (d["raw_file"], str(d["_id"]))  # noqa: E731
    expected = sorted(metrics_documents(record, ids, None), key=by_id)
    assert any(d["settings_name"] == "late" for d in expected)
    assert sorted(recent.metrics_documents(ids), key=by_id) == expected
    assert sorted(RecentRecord.none_held(record).metrics_documents(ids), key=by_id) == expected


def test_any_other_change_shows_after_the_full_read(record, monkeypatch):
    """A finished file changed by hand is not among the files read each time: the whole window is read again
    in the background once `FULL_READ_EVERY` has passed."""
    monkeypatch.setattr(recent_record, "FULL_READ_EVERY", timedelta(0))
    recent = RecentRecord(record)
    since = datetime.now(UTC) - timedelta(days=3)
    finished = next(d["_id"] for d in recent.acquired_since(since, {}) if d["status"] == RawFileStatus.DONE)
    record.raw_file.update_one({"_id": finished}, {"$set": {"project_id": "MOVED"}})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        moved = {d["_id"]: d for d in recent.acquired_since(since, {})}[finished]["project_id"] == "MOVED"
        if moved:
            break
        time.sleep(0.2)
    assert moved


def test_a_page_changes_nothing_it_is_given(record):
    recent = RecentRecord(record)
    since = datetime.now(UTC) - timedelta(days=1)
    for doc in recent.acquired_since(since, {}):
        doc["status"] = "scribbled"
    assert all(d["status"] != "scribbled" for d in recent.acquired_since(since, {}))
