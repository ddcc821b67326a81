"""Monitoring fixtures: the Slack stand-in, a config that points at it, and a harness that materializes the
health assets in-process and evaluates the alert sensors the way the daemon would."""

from __future__ import annotations

import secrets
from pathlib import Path

import dagster as dg
import pytest
import yaml

from kraken_assets.monitoring import build_monitoring
from kraken_core.config.schema import KrakenConfig
from kraken_resources.slack import SlackAlertsResource
from tests.conftest import config_dict
from tests.support.mount_markers import marked_as_mounted
from tests.support.pipeline import resources_for, write_config_file
from tests.support.slack_recorder import SlackRecorder

# generated per test session: no token-shaped string lives in the repository
TEST_TOKEN = f"xoxb-{secrets.token_hex(12)}"


@pytest.fixture
def slack():
    recorder = SlackRecorder().start()
    yield recorder
    recorder.stop()


def _keys_of(definition) -> list:
    """The asset keys an assets definition produces, or the check keys of a checks-only definition."""
    return list(definition.keys) or list(definition.check_keys)


class MonitoringHarness:
    def __init__(self, tmp_path: Path, mounts: Path, services: dict, database: str, slack: SlackRecorder,
                 token: str | None = TEST_TOKEN, head_node_probe=None, **overrides):
        self.free_space_file = tmp_path / "free_space.yaml"
        self.suppressions_file = tmp_path / "suppressions.yaml"
        data = config_dict(mounts)
        data["webserver_base_url"] = "http://dagster.example:3000"
        data["monitoring"] = {
            "slack_channel": "#kraken-alerts",
            "slack_api_url": slack.api_url,
            "free_space_file": str(self.free_space_file),
            "suppressions_file": str(self.suppressions_file),
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        if data.get("production"):
            data = marked_as_mounted(data, mounts)
        self.config = KrakenConfig.model_validate(data)
        config_file = write_config_file(tmp_path / "alphakraken.monitoring.yaml", data)
        self.resources = {**resources_for(config_file, services, database), "slack": SlackAlertsResource(token=token)}
        self.monitoring = build_monitoring(self.config, head_node_probe)
        assets = {key.to_user_string(): a for a in self.monitoring.assets for key in _keys_of(a)}
        self.location_health = assets["location_health"]
        self.platform_services = assets["platform_services"]
        self.quality_check = assets["quality_metrics:quality_metrics_in_bounds"]
        sensors = {sensor.name: sensor for sensor in self.monitoring.sensors}
        self.check_sensor = sensors["asset_check_alerts"]
        self.run_failure_sensor = sensors["run_failure_alerts"]
        self.check_cursor: str | None = None
        self.definitions = dg.Definitions(assets=self.monitoring.assets, resources=self.resources)

    def set_free_space(self, **free_gb: float) -> None:
        self.free_space_file.write_text(yaml.safe_dump(free_gb))

    def measure(self, instance: dg.DagsterInstance, *locations: str) -> None:
        for name in locations:
            dg.materialize([self.location_health], partition_key=name, resources=self.resources, instance=instance)

    def probe_services(self, instance: dg.DagsterInstance) -> None:
        dg.materialize([self.platform_services], resources=self.resources, instance=instance)

    def evaluate_check_alerts(self, instance: dg.DagsterInstance):
        """One tick of the check-failure sensor, carrying its cursor over like the daemon does."""
        context = dg.build_sensor_context(instance=instance, cursor=self.check_cursor, resources=self.resources,
                                          definitions=self.definitions)
        result = self.check_sensor(context)
        self.check_cursor = context.cursor
        return result


def with_quanting(mounts: Path, hosts: list[str], known_hosts: str) -> dict:
    """Config overrides that enable quantification on these head nodes (with the folders it requires)."""
    locations = config_dict(mounts)["locations"]
    return {
        "quanting": {"enabled": True, "ssh_hosts": hosts, "ssh_user": "kraken", "known_hosts_file": known_hosts},
        "locations": {**locations, "settings": {"path": str(mounts / "settings")},
                      "slurm": {"path": str(mounts / "slurm"), "absolute_path": "/cluster/alphakraken"}},
    }


@pytest.fixture
def harness(tmp_path, mounts, services, mongo_db, slack):
    return MonitoringHarness(tmp_path, mounts, services, mongo_db.name, slack)


@pytest.fixture
def make_harness(tmp_path, mounts, services, mongo_db, slack):
    def build(**overrides) -> MonitoringHarness:
        return MonitoringHarness(tmp_path, mounts, services, mongo_db.name, slack, **overrides)

    return build
