"""Run the foundation assets in-process with real resources (the test MongoDB server, temp folders)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from kraken_core.watcher import InstrumentWatcher, WatcherState
from kraken_resources import KrakenConfigResource, MongoResource


def write_config_file(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def resources_for(config_file: Path, services: dict[str, str], database: str) -> dict:
    return {
        "kraken_config": KrakenConfigResource(env="test", config_file=str(config_file)),
        "mongo": MongoResource(host=services["MONGO_HOST"], port=int(services["MONGO_PORT"]), database=database),
    }


def materialize_partition(assets: list, partition_key: str, resources: dict, instance: dg.DagsterInstance,
                          raise_on_error: bool = False) -> dg.ExecuteInJobResult:
    if not instance.has_dynamic_partition("raw_files", partition_key):
        instance.add_dynamic_partitions("raw_files", [partition_key])
    return dg.materialize(assets, partition_key=partition_key, resources=resources, instance=instance,
                          raise_on_error=raise_on_error)


def check_evaluation(result: dg.ExecuteInJobResult, check_name: str) -> dg.AssetCheckEvaluation:
    """The one evaluation of `check_name` in a run's result (raw_file's and raw_file_backup's checks both run)."""
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == check_name]
    return evaluation


def register(mongo_db, config, instrument_id: str, now: float = 1e9) -> list[str]:
    """Let the real watcher register and finish every file in the instrument folder; returns their ids."""
    watcher = InstrumentWatcher(mongo_db, config, instrument_id)
    state = watcher.tick(WatcherState(), now=now).state
    outcome = watcher.tick(state, now=now + config.timings.missing_main_file_timeout_s + 60)
    return [f.raw_file_id for f in outcome.finished]
