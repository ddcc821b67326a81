"""What the companion app needs to run, read from the environment and the platform configuration."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from kraken_core.config.qc import QcConfig
from kraken_core.config.schema import KrakenConfig
from kraken_core.config.tools import ToolConfig
from kraken_core.quanting.metric_names import alphakraken_name
from kraken_core.record.connection import DEFAULT_DB, MongoSettings
from kraken_ui_ext.key_metrics import KEY_METRICS, METRICS_BY_NAME

DEFAULT_PORT = 8050


@dataclass(frozen=True)
class CompanionSettings:
    mongo: MongoSettings
    webserver_base_url: str
    instrument_vendors: dict[str, str]
    # for the raw-file page: when an acquisition counts as finished, whether S3 uploads happen, partition retirement
    size_stable_window_s: float = 3600
    s3_enabled: bool = False
    retire_after_days: float | None = None
    heartbeat_interval_s: int = 60
    # the YAML's quanting.tools: what a new settings version may pick
    tools: dict[str, ToolConfig] = field(default_factory=dict)
    # the YAML's project_ids: projects raw file names are matched against, beside the record's `project` collection
    project_ids: tuple[str, ...] = ()
    # the YAML's companion.overview_columns, under AlphaKraken's names: the overview's metric columns by default
    overview_columns: tuple[str, ...] = tuple(m.name for m in KEY_METRICS)
    # the YAML's qc: QC series the mzQC download selects by
    qc: QcConfig = field(default_factory=QcConfig)
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def from_environment(cls, config: KrakenConfig, environ: Mapping[str, str] | None = None) -> CompanionSettings:
        """Mongo through the least-privilege webapp user (`MONGO_USER_WEBAPP`); accounts are in the record.

        `KRAKEN_WEBAPP_SECRET` signs the session cookies; without it a random key per process (sessions end when
        the app restarts)."""
        env = os.environ if environ is None else environ
        secret = env.get("KRAKEN_WEBAPP_SECRET")
        return cls(
            mongo=MongoSettings(
                host=env.get("MONGO_HOST", "127.0.0.1"),
                port=int(env.get("MONGO_PORT", "27017")),
                database=env.get("MONGO_DB", DEFAULT_DB),
                user=env.get("MONGO_USER_WEBAPP") or None,
                password=env.get("MONGO_PASSWORD_WEBAPP") or None,
            ),
            webserver_base_url=config.webserver_base_url,
            instrument_vendors={iid: str(inst.type) for iid, inst in config.instruments.items()},
            size_stable_window_s=config.timings.size_stable_window_s,
            s3_enabled=config.backup.backup_type == "s3",
            retire_after_days=config.partitions.retire_after_days,
            heartbeat_interval_s=config.timings.heartbeat_interval_s,
            tools=dict(config.quanting.tools),
            project_ids=tuple(config.project_ids),
            **({"overview_columns": overview_columns(config.companion.overview_columns)}
               if config.companion.overview_columns else {}),
            qc=config.qc,
            **({"session_secret": secret.encode()} if secret else {}),
        )


def overview_columns(names: list[str]) -> tuple[str, ...]:
    """The configured default columns under AlphaKraken's names; an unknown name stops the app with what is known."""
    columns = tuple(dict.fromkeys(alphakraken_name(name) for name in names))
    unknown = [name for name in names if alphakraken_name(name) not in METRICS_BY_NAME]
    if unknown:
        raise ValueError(f"companion.overview_columns: unknown metric {', '.join(map(repr, unknown))}; "
                         f"known metrics: {', '.join(METRICS_BY_NAME)}")
    return columns


def companion_port(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    return int(env.get("KRAKEN_COMPANION_PORT", DEFAULT_PORT))
