"""The `free_space` check and the companion's status page judge a location's free space alike: the same function,
the threshold of the configuration (recorded with each heartbeat), the same free-space figure."""

import dagster as dg
from starlette.testclient import TestClient

from kraken_core.record.connection import MongoSettings
from kraken_sensors.location_heartbeat import build_location_heartbeat
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from tests.support.pipeline import check_evaluation


def status_row(page: str, entity: str) -> str:
    return page.split(f'<tr data-entity="{entity}">')[1].split("</tr>")[0]


def test_a_location_under_its_threshold_is_failed_in_the_check_and_on_the_status_page(make_harness, instance,
                                                                                          mongo_db):
    # laptop thresholds, as envs/alphakraken.local.yaml has them; backup nearly full, output roomy
    harness = make_harness(monitoring={"backup_min_free_space_gb": 5, "output_min_free_space_gb": 5})
    harness.set_free_space(backup=3.2, output=60)

    def free_space_check(location: str) -> dg.AssetCheckEvaluation:
        result = dg.materialize([harness.location_health], partition_key=location, resources=harness.resources,
                                instance=instance)
        return check_evaluation(result, "free_space")

    backup_check = free_space_check("backup")
    assert not backup_check.passed and backup_check.description.startswith("backup: only 3.2 GB free, below the 5 GB")
    assert free_space_check("output").passed

    heartbeat = build_location_heartbeat(harness.config)
    heartbeat(dg.build_sensor_context(instance=instance, resources=harness.resources))
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo"})
    page = TestClient(build_app(settings, mongo_db)).get("/status").text

    backup = status_row(page, "backup")
    assert "health-failed" in backup and f"low disk space: {backup_check.description}" in backup
    output = status_row(page, "output")
    assert "health-failed" not in output and '<td class="health">ok</td>' in output
