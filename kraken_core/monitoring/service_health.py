"""Verdicts on the services the platform depends on (one subject each, not one per instrument): MongoDB, the
Slurm head nodes, the companion app, the worker's local disk and the file remover's heartbeat."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kraken_core.monitoring.free_space import LOCAL_DISK
from kraken_core.monitoring.probes import ProbeResult
from kraken_core.monitoring.verdict import Verdict

MONGO_REACHABLE = "mongo_reachable"
SLURM_HEAD_NODES_REACHABLE = "slurm_head_nodes_reachable"
COMPANION_HEALTHY = "companion_healthy"
LOCAL_DISK_FREE = "local_disk_free"
REMOVER_HEARTBEAT_FRESH = "remover_heartbeat_fresh"


def probe_verdict(check: str, subject: str, result: ProbeResult, consequence: str) -> Verdict:
    """One probed service: its details when it answers, and what that means and what to do when it does not."""
    if result.ok:
        return Verdict(check, subject, True, result.details)
    return Verdict(check, subject, False, f"{result.details}. {consequence}")


def mongo_verdict(result: ProbeResult) -> Verdict:
    return probe_verdict(
        MONGO_REACHABLE, "mongodb", result,
        "No new raw file is registered or backed up until it is back (files wait on the instruments; nothing is "
        "lost); check the MongoDB server and the network to it",
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


def companion_verdict(result: ProbeResult) -> Verdict:
    return probe_verdict(
        COMPANION_HEALTHY, "companion", result,
        "Scientists cannot open the companion app (overview, trends, projects); on the webapp host look at "
        "`docker/compose.sh --profile webapp ps` and the companion's log (its /healthz also fails when it cannot "
        "reach MongoDB)",
    )


def local_disk_verdict(path: Path, free_gb: float | None, threshold_gb: float, error: str | None = None) -> Verdict:
    """The worker's own disk (`monitoring.local_disk_path`): Dagster's logs and run storage, the images."""
    metadata = {"path": str(path), "threshold_gb": threshold_gb}
    if free_gb is None:
        return Verdict(LOCAL_DISK_FREE, LOCAL_DISK, False,
                       f"the free space of the worker's disk at {path} cannot be read: {error}; check "
                       f"monitoring.local_disk_path", metadata)
    metadata["free_gb"] = round(free_gb, 1)
    if free_gb >= threshold_gb:
        return Verdict(LOCAL_DISK_FREE, LOCAL_DISK, True,
                       f"{free_gb:.1f} GB free on the worker's disk at {path} (threshold {threshold_gb:g} GB)", metadata)
    return Verdict(
        LOCAL_DISK_FREE, LOCAL_DISK, False,
        f"only {free_gb:.1f} GB free on the worker's disk at {path}, below {threshold_gb:g} GB. Runs and their logs "
        f"fail when it is full; on the worker host remove old images (`docker image prune`) and old compute logs, "
        f"or extend the disk",
        metadata,
    )


def remover_verdict(heartbeat: dict | None, now: datetime, max_age_h: float) -> Verdict | None:
    """The file remover's `kraken_status` heartbeat; None before its first run (nothing to judge yet)."""
    updated = heartbeat.get("updated_at_") if heartbeat else None
    if updated is None:
        return None
    age_h = (now - updated).total_seconds() / 3600
    last_run = heartbeat.get("status_details") or ""
    metadata = {"last_run_age_h": round(age_h, 2), "max_age_h": max_age_h, "last_run": last_run}
    if age_h <= max_age_h:
        return Verdict(REMOVER_HEARTBEAT_FRESH, "file_remover", True,
                       f"the file remover last ran {age_h:.1f} h ago: {last_run}", metadata)
    return Verdict(
        REMOVER_HEARTBEAT_FRESH, "file_remover", False,
        f"the file remover last ran {age_h:.1f} h ago (limit {max_age_h:g} h), so instrument disks are not freed. "
        f"Check that the schedule purge_instrument_files_schedule is on and the Dagster daemon is up, and look at "
        f"the last purge_instrument_files runs",
        metadata,
    )


def companion_health_url(monitoring_url: str | None, companion_base_url: str | None) -> str | None:
    """`monitoring.companion_health_url`, else the companion's `/healthz` under `companion_base_url`."""
    if monitoring_url:
        return monitoring_url
    return f"{companion_base_url.rstrip('/')}/healthz" if companion_base_url else None
