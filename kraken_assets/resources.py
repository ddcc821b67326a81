"""Resources per environment, chosen in one place. Secrets come through EnvVar and are never read at import."""

from __future__ import annotations

import os

import dagster as dg
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.s3 import KrakenS3Resource
from kraken_resources.slack import SlackAlertsResource
from kraken_resources.job_engine import JobEngineResource
from kraken_resources.local_jobs import build_local_jobs_resource
from kraken_resources.slurm import build_slurm_resource


def _optional_env(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def build_job_engine(config) -> JobEngineResource:
    """`quanting.engine`: jobs on the Slurm cluster, or processes on this worker. The key stays `slurm`."""
    return build_local_jobs_resource(config) if config.quanting.engine == "local" else build_slurm_resource(config)


def build_resources(kraken_config: KrakenConfigResource) -> dict[str, dg.ConfigurableResource]:
    config = kraken_config.get()
    s3 = config.backup.s3
    return {
        "kraken_config": kraken_config,
        "mongo": MongoResource(
            host=dg.EnvVar("MONGO_HOST"),
            port=dg.EnvVar.int("MONGO_PORT"),
            database=dg.EnvVar("MONGO_DB"),
            user=_optional_env("MONGO_USER"),
            password=_optional_env("MONGO_PASSWORD"),
        ),
        "slurm": build_job_engine(config),
        "slack": SlackAlertsResource(token=_optional_env("SLACK_TOKEN")),
        # unset credentials fall back to boto3's chain (AWS_* variables, profile, instance role)
        "s3": KrakenS3Resource(
            endpoint_url=s3.endpoint_url,
            region_name=s3.region_name,
            max_attempts=s3.max_attempts,
            aws_access_key_id=_optional_env("S3_ACCESS_KEY_ID"),
            aws_secret_access_key=_optional_env("S3_SECRET_ACCESS_KEY"),
        ),
    }
