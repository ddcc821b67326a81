"""Reachability of the services the platform depends on: MongoDB and the Slurm head nodes."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

from pymongo.database import Database


@dataclass(frozen=True)
class ProbeResult:
    target: str
    ok: bool
    details: str


def probe_mongo(db: Database, where: str) -> ProbeResult:
    """`ping` the record; `where` describes it without credentials."""
    try:
        db.client.admin.command("ping")
    except Exception as err:  # noqa: BLE001 - any driver error means unreachable
        return ProbeResult(where, False, f"MongoDB at {where} is unreachable: {type(err).__name__}: {err}")
    return ProbeResult(where, True, f"MongoDB at {where} answers")


def probe_tcp(host: str, port: int, timeout_s: float = 5.0) -> ProbeResult:
    """Can a TCP connection (e.g. SSH) to `host:port` be opened?"""
    target = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return ProbeResult(target, True, f"{target} accepts connections")
    except OSError as err:
        return ProbeResult(target, False, f"{target} does not accept connections: {err.strerror or err}")


def probe_hosts(hosts: list[str], port: int, probe: Callable[[str, int], ProbeResult] = probe_tcp) -> list[ProbeResult]:
    return [probe(host, port) for host in hosts]
