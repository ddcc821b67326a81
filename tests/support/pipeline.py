"""Run the foundation assets in-process with real resources (the test MongoDB server, temp folders)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

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
