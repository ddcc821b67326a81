"""The production dagster.yaml, validated by Dagster itself, and its classes built from it."""

import dagster as dg
import pytest
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster_docker import DockerRunLauncher
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from tests.deployment.conftest import PRODUCTION_DAGSTER_YAML

ENV = {
    "DAGSTER_POSTGRES_HOST": "kraken-db.example.org",
    "DAGSTER_POSTGRES_PORT": "5432",
    "DAGSTER_POSTGRES_USER": "dagster",
    "DAGSTER_POSTGRES_PASSWORD": "not-a-real-password",
    "DAGSTER_POSTGRES_DB": "dagster",
    "KRAKEN_DOCKER_NETWORK": "alphakraken-production",
    "DAGSTER_COMPUTE_LOGS_DIR": "/opt/alphakraken/production/mounts/logs/dagster",
}


@pytest.fixture
def production_env(monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def test_production_dagster_yaml_passes_dagsters_instance_validation(production_env):
    config, custom_class = dagster_instance_config(str(PRODUCTION_DAGSTER_YAML.parent), PRODUCTION_DAGSTER_YAML.name)
    assert custom_class is None
    assert set(config["storage"]) == {"postgres"}
    assert {"copies", "cluster_slots", "uploads"}.isdisjoint(config["concurrency"]["pools"])  # sizes come from the YAML config
    assert config["run_monitoring"]["enabled"] and config["run_monitoring"]["free_slots_after_run_end_seconds"] > 0


def test_every_configured_class_accepts_its_config(production_env):
    ref = InstanceRef.from_dir(str(PRODUCTION_DAGSTER_YAML.parent), config_filename=PRODUCTION_DAGSTER_YAML.name)
    classes = {
        "run_storage": (ref.run_storage_data, PostgresRunStorage),
        "event_storage": (ref.event_storage_data, PostgresEventLogStorage),
        "schedule_storage": (ref.schedule_storage_data, PostgresScheduleStorage),
        "run_launcher": (ref.run_launcher_data, DockerRunLauncher),
    }
    for name, (data, expected) in classes.items():
        assert data.class_name == expected.__name__, name
        result = process_config(expected.config_type(), data.config_dict)
        assert result.success, (name, [e.message for e in result.errors])
    assert ref.run_coordinator_data.class_name == "QueuedRunCoordinator"
    assert ref.compute_logs_data.class_name == "LocalComputeLogManager"

    launcher = ref.run_launcher_data.rehydrate(as_type=DockerRunLauncher)
    assert launcher.networks == ["alphakraken-production"]
    # run containers get what the code needs; secrets travel as names, never as values in the file
    assert {"ENV", "MOUNTS_PATH", "MONGO_HOST", "MONGO_USER", "MONGO_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"} <= set(
        launcher.env_vars
    )
    assert all("=" not in name for name in launcher.env_vars)
    coordinator = ref.run_coordinator_data.rehydrate(as_type=dg.QueuedRunCoordinator)
    assert coordinator.dequeue_interval_seconds == 5


def test_a_missing_variable_is_reported_by_name(production_env, monkeypatch):
    monkeypatch.delenv("DAGSTER_POSTGRES_HOST")
    ref = InstanceRef.from_dir(str(PRODUCTION_DAGSTER_YAML.parent), config_filename=PRODUCTION_DAGSTER_YAML.name)
    result = process_config(PostgresRunStorage.config_type(), ref.run_storage_data.config_dict)
    assert not result.success
    assert "DAGSTER_POSTGRES_HOST" in " ".join(e.message for e in result.errors)
