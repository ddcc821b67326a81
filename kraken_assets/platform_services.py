"""`platform_services`: is MongoDB reachable, and (when quantification is configured) are the Slurm head nodes?

One subject per service, so an outage is one alert, not one per instrument."""

from collections.abc import Callable
from datetime import timedelta

import dagster as dg

from kraken_assets.health import check_result
from kraken_core.config import KrakenConfig
from kraken_core.monitoring.probes import ProbeResult, probe_hosts, probe_mongo
from kraken_core.monitoring.service_health import (
    MONGO_REACHABLE,
    SLURM_HEAD_NODES_REACHABLE,
    mongo_verdict,
    slurm_verdict,
)
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


def build_platform_services(config: KrakenConfig, head_node_probe: HeadNodeProbe | None = None) -> dg.AssetsDefinition:
    """Without `head_node_probe`, head nodes are probed over SSH with the `slurm` resource's settings."""
    checks = [dg.AssetCheckSpec(MONGO_REACHABLE, asset=PLATFORM_SERVICES,
                                description="The MongoDB record answers a ping.")]
    with_slurm = config.quanting.enabled and bool(config.quanting.ssh_hosts)
    if with_slurm:
        checks.append(dg.AssetCheckSpec(SLURM_HEAD_NODES_REACHABLE, asset=PLATFORM_SERVICES,
                                        description="Every configured Slurm head node accepts an SSH session."))

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
                description="Reachability of the services every raw file depends on: MongoDB and the Slurm head nodes.",
            )
        ],
        check_specs=checks,
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
        for verdict in verdicts:
            (context.log.info if verdict.passed else context.log.error)(verdict.description)
        yield dg.MaterializeResult(
            asset_key=PLATFORM_SERVICES,
            metadata={verdict.check: verdict.passed for verdict in verdicts},
        )
        for verdict in verdicts:
            yield check_result(PLATFORM_SERVICES, verdict)

    return platform_services
