"""Alerts from the record: raw files newly in error, piled-up statuses, Slurm head nodes, the check cursor."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import dagster as dg

from kraken_core.locations import LocationHealth
from kraken_core.monitoring.probes import probe_tcp
from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.record.raw_files import register_raw_file, update_raw_file
from kraken_core.statuses import RawFileStatus
from tests.monitoring.conftest import with_quanting


def add_raw_file(db, raw_file_id: str, status: RawFileStatus, details: str | None = None) -> None:
    register_raw_file(db, raw_file_id=raw_file_id, original_name=raw_file_id, collision_flag=None,
                      instrument_id="thermo1", project_id="PRJ1", status=RawFileStatus.MONITORING_DONE,
                      created_at=datetime.now(UTC))
    update_raw_file(db, raw_file_id, status=status, status_details=details)


def test_raw_files_newly_in_error_are_reported_once_and_not_resolved(harness, instance, slack, mongo_db):
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=1000)
    add_raw_file(mongo_db, "old_error.raw", RawFileStatus.ERROR, "an error from before the platform started")
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    # the first evaluation looks back one freshness window, so a file that failed just before start is reported
    [first] = slack.texts()
    assert "Raw files in error" in first and "old_error.raw" in first

    add_raw_file(mongo_db, "20240301_PRJ1_a.raw", RawFileStatus.ERROR, "backup failed: disk full")
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert len(slack.texts()) == 1  # the second file is within the cooldown: counted, visible in the check history
    assert not any("resolved" in t for t in slack.texts())


def test_pile_up_names_the_status_and_count(harness, instance, slack, mongo_db):
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=1000)
    for i in range(6):
        add_raw_file(mongo_db, f"f{i}.raw", RawFileStatus.COPYING)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    [alert] = slack.texts()
    assert "Files piling up" in alert and "6 in copying (limit 5)" in alert
    result = instance.fetch_materializations(dg.AssetKey("location_health"), limit=1).records[0]
    metadata = result.asset_materialization.metadata
    assert metadata["files_copying"].value == 6 and metadata["free_gb"].value == 1000.0


def test_slurm_head_nodes_one_alert_naming_the_unreachable_host(make_harness, instance, slack, mounts):
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        up = f"127.0.0.1:{listening.getsockname()[1]}"
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            down = f"127.0.0.1:{closed.getsockname()[1]}"
        harness = make_harness(head_node_probe=lambda host: probe_tcp(host, 22, timeout_s=2),
                               **with_quanting(mounts, [up, down], "/dev/null"))
        harness.probe_services(instance)  # before the sensor's first tick: not replayed
        harness.evaluate_check_alerts(instance)
        harness.probe_services(instance)
        harness.evaluate_check_alerts(instance)
    [alert] = slack.texts()
    assert "Slurm head nodes unreachable" in alert and down in alert and f"{up} " not in alert


def test_check_alerts_start_at_the_newest_evaluation(harness, instance, slack):
    harness.set_free_space(thermo1=10)
    harness.measure(instance, "thermo1")  # a failing evaluation from before the sensor's first tick
    harness.evaluate_check_alerts(instance)
    harness.evaluate_check_alerts(instance)
    assert slack.texts() == []
