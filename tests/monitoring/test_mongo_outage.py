"""MongoDB stops: one alert, no flood from the checks that need it; when it returns, one resolved message and
every raw file written on the instrument meanwhile is registered."""

from __future__ import annotations

import dagster as dg
import pymongo
import pytest

from kraken_assets.raw_files import raw_file_runs
from kraken_core.simulator import write_thermo
from kraken_resources import MongoResource
from kraken_sensors.instrument_watchers import build_instrument_watcher
from tests.monitoring.conftest import MonitoringHarness
from tests.monitoring.own_mongo import OwnMongo


@pytest.fixture
def own_mongo(tmp_path):
    server = OwnMongo(tmp_path / "own_mongo").start()
    yield server
    server.stop()


def test_mongo_outage_alerts_once_and_recovers_without_losing_raw_files(
    tmp_path, mounts, services, slack, instance, own_mongo
):
    harness = MonitoringHarness(tmp_path, mounts, services, "krakendb", slack)
    harness.resources["mongo"] = MongoResource(host="127.0.0.1", port=own_mongo.port, database="krakendb",
                                               timeout_ms=1000)
    watcher = build_instrument_watcher(harness.config, "thermo1", raw_file_runs)
    cursor = None

    def watch():
        nonlocal cursor
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=harness.resources)
        watcher(context)
        cursor = context.cursor

    harness.set_free_space(thermo1=1000)
    folder = harness.config.instrument_folder("thermo1")
    write_thermo(folder, "20240301_PRJ1_before.raw", 1000)
    watch()
    harness.evaluate_check_alerts(instance)
    harness.probe_services(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert slack.texts() == []

    own_mongo.stop()
    write_thermo(folder, "20240301_PRJ1_during_1.raw", 1000)
    write_thermo(folder, "20240301_PRJ1_during_2.raw", 1000)
    with pytest.raises(pymongo.errors.ConnectionFailure):
        watch()  # the daemon records a failed tick and keeps the cursor
    for _ in range(2):
        harness.probe_services(instance)
        harness.measure(instance, "thermo1")
        harness.evaluate_check_alerts(instance)
    [alert] = slack.texts()
    assert "MongoDB unreachable" in alert and f"127.0.0.1:{own_mongo.port}" in alert and "nothing is lost" in alert

    own_mongo.start()
    watch()
    harness.probe_services(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert len(slack.texts()) == 2
    assert "MongoDB unreachable" in slack.texts()[1] and "resolved" in slack.texts()[1]

    client = pymongo.MongoClient("127.0.0.1", own_mongo.port, serverSelectionTimeoutMS=5000)
    names = sorted(doc["original_name"] for doc in client.krakendb.raw_file.find({"instrument_id": "thermo1"}))
    assert names == ["20240301_PRJ1_before.raw", "20240301_PRJ1_during_1.raw", "20240301_PRJ1_during_2.raw"]
    client.close()
