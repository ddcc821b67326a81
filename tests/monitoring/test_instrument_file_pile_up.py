"""Instrument-file pile-up (AlphaKraken: more than 30 files older than 6 h not moved): counted from the record,
only old files still unfinished in the instrument folder, reported once with the count per status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kraken_core.locations import LocationHealth
from kraken_core.monitoring.health_checks import check_instrument_file_pile_up
from kraken_core.monitoring.location_health import LocationReport
from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.record.location_facts import unfinished_instrument_files
from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.statuses import BackupStatus, InstrumentFileStatus, RawFileStatus

NOW = datetime.now(UTC)


def add_files(db, prefix: str, count: int, status: RawFileStatus, hours_ago: float, **fields) -> None:
    for i in range(count):
        rid = f"{prefix}_{i:02d}.raw"
        register_raw_file(db, raw_file_id=rid, original_name=rid, collision_flag=None, instrument_id="thermo1",
                          project_id="PRJ1", status=RawFileStatus.MONITORING_DONE,
                          created_at=NOW - timedelta(hours=hours_ago))
        update_raw_file(db, rid, status=status, **fields)


def backed_up(db, prefix: str, count: int, hours_ago: float, **fields) -> None:
    add_files(db, prefix, count, RawFileStatus.DONE, hours_ago, backup_status=BackupStatus.COPYING_DONE, **fields)


def test_old_unfinished_files_are_counted_per_status(mongo_db):
    add_files(mongo_db, "old_copying", 4, RawFileStatus.COPYING, hours_ago=7)
    add_files(mongo_db, "old_waiting", 3, RawFileStatus.MONITORING_DONE, hours_ago=30)
    add_files(mongo_db, "young", 5, RawFileStatus.COPYING, hours_ago=2)  # not old enough
    add_files(mongo_db, "failed", 6, RawFileStatus.ERROR, hours_ago=9)  # stays on the instrument on purpose
    backed_up(mongo_db, "moved", 2, hours_ago=8, instrument_file_status=str(InstrumentFileStatus.MOVED))
    backed_up(mongo_db, "not_moved", 3, hours_ago=8)
    cutoff = NOW - timedelta(hours=6)

    assert unfinished_instrument_files(mongo_db, "thermo1", cutoff, moving_expected=False) == {
        "copying": 4, "monitoring_done": 3}
    assert unfinished_instrument_files(mongo_db, "thermo1", cutoff, moving_expected=True) == {
        "copying": 4, "monitoring_done": 3, "done": 3}
    assert unfinished_instrument_files(mongo_db, "bruker1", cutoff, moving_expected=True) == {}


def test_more_than_30_alerts_once_naming_the_counts(harness, instance, slack, mongo_db):
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=1000)
    add_files(mongo_db, "waiting", 20, RawFileStatus.MONITORING_DONE, hours_ago=8)
    add_files(mongo_db, "queued", 10, RawFileStatus.QUEUED_FOR_QUANTING, hours_ago=8)
    add_files(mongo_db, "young", 5, RawFileStatus.MONITORING_DONE, hours_ago=1)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert [t for t in slack.texts() if "Instrument files piling up" in t] == []  # 30: at the limit

    add_files(mongo_db, "late", 1, RawFileStatus.COPYING, hours_ago=6.5)
    for _ in range(2):
        harness.measure(instance, "thermo1")
        harness.evaluate_check_alerts(instance)
    [alert] = [t for t in slack.texts() if "Instrument files piling up" in t]
    assert "(thermo1): 31 raw file(s) acquired more than 6 h ago unfinished in the instrument folder (limit 30)" \
        in alert
    assert "20 in monitoring_done, 10 in queued_for_quanting, 1 in copying" in alert


def test_the_limit_and_the_age_are_configurable(make_config):
    config = make_config(monitoring={"instrument_file_pile_up_limit": 2, "instrument_file_min_age_h": 1})
    report = LocationReport("thermo1", "instrument", "/x", True, "ok", 900.0, NOW)
    verdict = check_instrument_file_pile_up(config, report, {"copying": 3})
    assert not verdict.passed and "more than 1 h ago" in verdict.description and "(limit 2)" in verdict.description
    assert check_instrument_file_pile_up(config, report, {"copying": 2}).passed
    backup = LocationReport("backup", "backup", "/b", True, "ok", 900.0, NOW)
    assert check_instrument_file_pile_up(config, backup, {"copying": 3}) is None
