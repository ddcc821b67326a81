"""`platform_services`: is MongoDB reachable, and (when quantification is configured) are the Slurm head nodes?
Does the companion app answer, has the worker's disk room, did the file remover run lately?

One subject per service, so an outage is one alert, not one per instrument."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import dagster as dg

from kraken_assets.health import check_result
from kraken_core.config import KrakenConfig
from kraken_core.config.capabilities import lifecycle_configured
from kraken_core.monitoring.free_space import local_disk_free_gb
from kraken_core.monitoring.probes import ProbeResult, probe_hosts, probe_http, probe_mongo
from kraken_core.monitoring.service_health import (
    COMPANION_HEALTHY,
    LOCAL_DISK_FREE,
    MONGO_REACHABLE,
    REMOVER_HEARTBEAT_FRESH,
    SLURM_HEAD_NODES_REACHABLE,
    companion_health_url,
    companion_verdict,
    local_disk_verdict,
    mongo_verdict,
    remover_verdict,
    slurm_verdict,
)
from kraken_core.monitoring.verdict import Verdict
from kraken_core.record.kraken_status import FILE_REMOVER, job_heartbeat
from kraken_resources import MongoResource
from kraken_resources.ssh import SshResource, SshUnavailableError

PLATFORM_SERVICES = dg.AssetKey("platform_services")
HeadNodeProbe = Callable[[str], ProbeResult]


def ssh_head_node_probe(ssh: SshResource) -> HeadNodeProbe:
    """A head node is reachable when an SSH session to it opens (host key verified, user accepted)."""
    settings = {name: getattr(ssh, name) for name in SshResource.model_fields}

    def probe(host: str) -> ProbeResult:
        try:
            with SshResource(**{**settings, "hosts": [host], "retries": 0}).session():
                return ProbeResult(host, True, f"{host} accepts SSH as {ssh.user}")
        except SshUnavailableError as err:
            return ProbeResult(host, False, str(err))

    return probe


def _local_disk(cfg: KrakenConfig) -> Verdict:
    path, threshold = cfg.monitoring.local_disk_path, cfg.monitoring.local_min_free_space_gb
    try:
        return local_disk_verdict(path, local_disk_free_gb(path, cfg.monitoring.free_space_file), threshold)
    except (OSError, ValueError) as err:
        return local_disk_verdict(path, None, threshold, str(err))


def _remover(cfg: KrakenConfig, mongo: MongoResource) -> Verdict | None:
    """None before the remover's first run, and while MongoDB is away (`mongo_reachable` says so)."""
    try:
        heartbeat = job_heartbeat(mongo.get_database(), FILE_REMOVER)
    except Exception:  # noqa: BLE001 - any driver error: the record is unreachable, reported by mongo_reachable
        return None
    return remover_verdict(heartbeat, datetime.now(UTC), cfg.monitoring.remover_heartbeat_max_age_h)


def build_platform_services(config: KrakenConfig, head_node_probe: HeadNodeProbe | None = None) -> dg.AssetsDefinition:
    """Without `head_node_probe`, head nodes are probed over SSH with the `slurm` resource's settings."""
    checks = [dg.AssetCheckSpec(MONGO_REACHABLE, asset=PLATFORM_SERVICES,
                                description="The MongoDB record answers a ping.")]
    with_slurm = config.quanting.enabled and config.quanting.engine == "slurm" and bool(config.quanting.ssh_hosts)
    if with_slurm:
        checks.append(dg.AssetCheckSpec(SLURM_HEAD_NODES_REACHABLE, asset=PLATFORM_SERVICES,
                                        description="Every configured Slurm head node accepts an SSH session."))
    health_url = companion_health_url(config.monitoring.companion_health_url, config.companion_base_url)
    if health_url:
        checks.append(dg.AssetCheckSpec(COMPANION_HEALTHY, asset=PLATFORM_SERVICES,
                                        description=f"The companion app's health endpoint ({health_url}) answers 200."))
    checks.append(dg.AssetCheckSpec(LOCAL_DISK_FREE, asset=PLATFORM_SERVICES,
                                    description="The worker's local disk (monitoring.local_disk_path) has at least "
                                                "monitoring.local_min_free_space_gb (10 GB) free."))
    with_remover = lifecycle_configured(config)  # no remover, no heartbeat of it to judge
    if with_remover:
        checks.append(dg.AssetCheckSpec(REMOVER_HEARTBEAT_FRESH, asset=PLATFORM_SERVICES,
                                        description="The file remover (purge_instrument_files) ran within "
                                                    "monitoring.remover_heartbeat_max_age_h (24 h); see kraken_status "
                                                    "file_remover."))

    @dg.multi_asset(
        name="platform_services",
        specs=[
            dg.AssetSpec(
                PLATFORM_SERVICES,
                group_name="monitoring",
                kinds={"python", "mongodb"},
                owners=["team:lab-it"],
                freshness_policy=dg.FreshnessPolicy.time_window(
                    fail_window=timedelta(minutes=config.monitoring.health_fresh_m)
                ),
                description=(
                    "Reachability of the services every raw file depends on (MongoDB, the Slurm head nodes, the "
                    "companion app), the worker's local disk and the file remover's last run."
                ),
            )
        ],
        check_specs=checks,
        can_subset=True,  # a check that cannot be judged (the remover before its first run) is left unevaluated
        # the `slurm` resource only where its SSH settings are used
        required_resource_keys={"kraken_config", "mongo", *(["slurm"] if with_slurm and not head_node_probe else [])},
    )
    def platform_services(context: dg.AssetExecutionContext):
        cfg = context.resources.kraken_config.get()
        mongo: MongoResource = context.resources.mongo
        verdicts = [mongo_verdict(probe_mongo(mongo.get_database(), mongo.describe()))]
        if with_slurm:
            probe = head_node_probe or ssh_head_node_probe(context.resources.slurm.ssh)
            verdicts.append(slurm_verdict(probe_hosts(cfg.quanting.ssh_hosts, probe)))
        if health_url:
            verdicts.append(companion_verdict(probe_http(health_url)))
        verdicts.append(_local_disk(cfg))
        remover = _remover(cfg, mongo) if with_remover else None
        if remover is not None:
            verdicts.append(remover)
        for verdict in verdicts:
            (context.log.info if verdict.passed else context.log.error)(verdict.description)
        yield dg.MaterializeResult(
            asset_key=PLATFORM_SERVICES,
            metadata={verdict.check: verdict.passed for verdict in verdicts},
        )
        for verdict in verdicts:
            yield check_result(PLATFORM_SERVICES, verdict)

    return platform_services
