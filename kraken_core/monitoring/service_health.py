"""Verdicts on the services the platform depends on (one subject each, not one per instrument)."""

from __future__ import annotations

from kraken_core.monitoring.health_checks import Verdict
from kraken_core.monitoring.probes import ProbeResult

MONGO_REACHABLE = "mongo_reachable"
SLURM_HEAD_NODES_REACHABLE = "slurm_head_nodes_reachable"


def mongo_verdict(result: ProbeResult) -> Verdict:
    if result.ok:
        return Verdict(MONGO_REACHABLE, "mongodb", True, result.details)
    return Verdict(
        MONGO_REACHABLE, "mongodb", False,
        f"{result.details}. No new raw file is registered or backed up until it is back (files wait on the "
        f"instruments; nothing is lost); check the MongoDB server and the network to it",
    )


def slurm_verdict(results: list[ProbeResult]) -> Verdict:
    down = [r for r in results if not r.ok]
    metadata = {"reachable": [r.target for r in results if r.ok], "unreachable": [r.target for r in down]}
    if not down:
        return Verdict(SLURM_HEAD_NODES_REACHABLE, "slurm", True,
                       f"every Slurm head node answers ({', '.join(metadata['reachable'])})", metadata)
    impact = "no quantification job can be submitted" if len(down) == len(results) else "fewer head nodes to use"
    return Verdict(
        SLURM_HEAD_NODES_REACHABLE, "slurm", False,
        "; ".join(r.details for r in down) + f". {impact}; check the cluster's head nodes and the SSH port",
        metadata,
    )
