"""Check verdicts from location reports: thresholds per instrument and location, AlphaKraken's defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kraken_core.config.monitoring import MetricBounds
from kraken_core.monitoring.free_space import FreeSpaceFileError, free_space_gb
from kraken_core.monitoring.health_checks import evaluate_location
from kraken_core.record.location_facts import RecordFacts
from kraken_core.monitoring.location_health import LocationReport, location_names, measure_location
from kraken_core.monitoring.quality_bounds import bounds_for, metrics_outside_bounds

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def report(name="thermo1", kind="instrument", free=1000.0, mount_ok=True, heartbeat_min=1.0, counts=None,
           newest_h=None, record=True):
    facts = RecordFacts(
        heartbeat_at=NOW - timedelta(minutes=heartbeat_min) if heartbeat_min is not None else None,
        status_counts=counts or {},
        newest_file="newest.raw" if newest_h is not None else None,
        newest_file_at=NOW - timedelta(hours=newest_h) if newest_h is not None else None,
    )
    return LocationReport(name, kind, f"/mnt/{name}", mount_ok, "ok" if mount_ok else f"{name}: not mounted",
                          free if mount_ok else None, NOW, facts if record else None,
                          None if record else "ServerSelectionTimeoutError")


def verdicts(config, rep, **kw):
    return {v.check: v for v in evaluate_location(config, rep, **kw)}


def test_default_free_space_thresholds_are_alphakrakens(config):
    assert not verdicts(config, report(free=199.9))["free_space"].passed
    assert verdicts(config, report(free=200))["free_space"].passed
    assert not verdicts(config, report("backup", "backup", free=499))["free_space"].passed
    assert verdicts(config, report("output", "output", free=301))["free_space"].passed
    assert not verdicts(config, report("output", "output", free=299))["free_space"].passed


def test_free_space_threshold_per_instrument(make_config):
    config = make_config(instruments={"thermo1": {"type": "thermo", "monitoring": {"min_free_space_gb": 50}},
                                      "bruker1": {"type": "bruker"}})
    assert verdicts(config, report(free=60))["free_space"].passed
    assert not verdicts(config, report("bruker1", free=60))["free_space"].passed


def test_unmounted_location_fails_mount_and_leaves_free_space_undecided(config):
    result = verdicts(config, report(mount_ok=False))
    assert not result["mount_ok"].passed and "free_space" not in result


def test_heartbeat_older_than_15_minutes_fails(config):
    assert verdicts(config, report(heartbeat_min=14))["heartbeat_fresh"].passed
    stale = verdicts(config, report(heartbeat_min=16))["heartbeat_fresh"]
    assert not stale.passed and "16 min ago" in stale.description and "watcher of thermo1" in stale.description
    assert not verdicts(config, report(heartbeat_min=None))["heartbeat_fresh"].passed


def test_pile_up_limits_5_by_default_and_10_for_quanting(make_config, config):
    assert verdicts(config, report(counts={"copying": 5, "quanting": 10}))["no_status_pile_up"].passed
    piled = verdicts(config, report(counts={"copying": 6, "quanting": 11}))["no_status_pile_up"]
    assert not piled.passed and piled.metadata["piled_up"] == {"copying": 6, "quanting": 11}
    own = make_config(instruments={"thermo1": {"type": "thermo", "monitoring": {"pile_up_limits": {"copying": 20}}}})
    assert verdicts(own, report(counts={"copying": 6}))["no_status_pile_up"].passed


def test_stall_is_opt_in(make_config, config):
    assert "not_stalled" not in verdicts(config, report(newest_h=100))
    opted = make_config(instruments={"thermo1": {"type": "thermo", "monitoring": {"stall_alert_hours": 2}}})
    assert verdicts(opted, report(newest_h=1.5))["not_stalled"].passed
    stalled = verdicts(opted, report(newest_h=3))["not_stalled"]
    assert not stalled.passed and "3.0 h" in stalled.description


def test_record_unreachable_leaves_record_checks_out(config):
    result = verdicts(config, report(free=10, record=False))
    assert set(result) == {"mount_ok", "free_space"}


def test_new_errors_are_events_listing_the_files(config):
    errors = [{"_id": "a.raw", "status_details": "backup failed: disk full"}]
    result = verdicts(config, report(), raw_file_errors=errors, upload_failures=[])
    assert result["no_new_raw_file_errors"].kind == "event" and not result["no_new_raw_file_errors"].passed
    assert "a.raw: backup failed: disk full" in result["no_new_raw_file_errors"].description
    assert result["no_new_upload_failures"].passed


def test_a_reused_file_name_is_an_event_naming_the_new_raw_file(config):
    reused = [{"_id": "20240301-101500-qc.raw", "status_details": "a new acquisition under the used name qc.raw"}]
    result = verdicts(config, report(), raw_file_errors=[], upload_failures=[], reused_names=reused)
    check = result["no_reused_file_names"]
    assert check.kind == "event" and not check.passed
    assert "20240301-101500-qc.raw" in check.description and "name used before" in check.description
    assert verdicts(config, report(), reused_names=[])["no_reused_file_names"].passed


def test_free_space_file_overrides_the_disk(tmp_path, config):
    path = tmp_path / "free.yaml"
    assert free_space_gb(900.0, "thermo1", path) == 900.0
    path.write_text("thermo1: 12.5\n")
    assert free_space_gb(900.0, "thermo1", path) == 12.5 and free_space_gb(900.0, "backup", path) == 900.0
    path.write_text("thermo1: lots\n")
    with pytest.raises(FreeSpaceFileError, match="thermo1: expected a number"):
        free_space_gb(900.0, "thermo1", path)


def test_locations_are_the_instruments_then_backup_and_output(config, mounts):
    assert location_names(config) == ["thermo1", "bruker1", "sciex1", "backup", "output"]
    measured = measure_location(config, "backup")
    assert measured.mount_ok and measured.free_gb > 0 and measured.kind == "backup"
    (mounts / "instruments" / "sciex1").rmdir()
    assert not measure_location(config, "sciex1").mount_ok


def test_quality_bounds(make_config):
    config = make_config(instruments={"thermo1": {"type": "thermo", "monitoring": {
        "quality_bounds": {"proteins": {"min": 3000}, "precursors": {"min": 10000, "max": 1e6}}}}})
    bounds = bounds_for(config, "thermo1")
    assert bounds["proteins"] == MetricBounds(min=3000)
    assert metrics_outside_bounds({"proteins": 3500, "precursors": 20000}, bounds) == []
    assert metrics_outside_bounds({"proteins": 2000, "precursors": 2e6}, bounds) == [
        "precursors = 2e+06, above the ceiling 1e+06", "proteins = 2000, below the floor 3000"]
    assert metrics_outside_bounds({}, bounds) == ["precursors: missing (expected a number)",
                                                  "proteins: missing (expected a number)"]
    assert bounds_for(config, "unknown") == {}
