"""`platform_services`: is MongoDB reachable, and (when quantification is configured) are the Slurm head nodes?

One subject per service, so an outage is one alert, not one per instrument."""

from collections.abc import Callable

import dagster as dg

from kraken_assets.health import check_result
from kraken_core.config import KrakenConfig
from kraken_core.monitoring.probes import ProbeResult, probe_hosts, probe_mongo, probe_tcp
from kraken_core.monitoring.service_health import MONGO_REACHABLE, SLURM_HEAD_NODES_REACHABLE, mongo_verdict, slurm_verdict
from kraken_resources import KrakenConfigResource, MongoResource

PLATFORM_SERVICES = dg.AssetKey("platform_services")


def build_platform_services(
    config: KrakenConfig, head_node_probe: Callable[[str, int], ProbeResult] = probe_tcp
) -> dg.AssetsDefinition:
    """`head_node_probe(host, port)` decides whether a Slurm head node is reachable (default: its SSH port opens)."""
    checks = [dg.AssetCheckSpec(MONGO_REACHABLE, asset=PLATFORM_SERVICES,
                                description="The MongoDB record answers a ping.")]
    with_slurm = config.quanting.enabled and bool(config.quanting.ssh_hosts)
    if with_slurm:
        checks.append(dg.AssetCheckSpec(SLURM_HEAD_NODES_REACHABLE, asset=PLATFORM_SERVICES,
                                        description="Every configured Slurm head node accepts SSH connections."))

    @dg.multi_asset(
        name="platform_services",
        specs=[
            dg.AssetSpec(
                PLATFORM_SERVICES,
                group_name="monitoring",
                kinds={"python", "mongodb"},
                owners=["team:lab-it"],
                description="Reachability of the services every raw file depends on: MongoDB and the Slurm head nodes.",
            )
        ],
        check_specs=checks,
    )
    def platform_services(context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource):
        cfg = kraken_config.get()
        verdicts = [mongo_verdict(probe_mongo(mongo.get_database(), mongo.describe()))]
        if with_slurm:
            verdicts.append(slurm_verdict(probe_hosts(cfg.quanting.ssh_hosts, cfg.quanting.ssh_port, head_node_probe)))
        for verdict in verdicts:
            (context.log.info if verdict.passed else context.log.error)(verdict.description)
        yield dg.MaterializeResult(
            asset_key=PLATFORM_SERVICES,
            metadata={verdict.check: verdict.passed for verdict in verdicts},
        )
        for verdict in verdicts:
            yield check_result(PLATFORM_SERVICES, verdict)

    return platform_services
