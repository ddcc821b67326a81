"""Reachability of the services the platform depends on: MongoDB, the Slurm head nodes, the companion app."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
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


def probe_tcp(host: str, default_port: int, timeout_s: float = 5.0) -> ProbeResult:
    """Can a TCP connection be opened to `host` (`name` or `name:port`)?"""
    name, _, port = host.rpartition(":") if ":" in host else (host, "", str(default_port))
    target = f"{name}:{port}"
    try:
        with socket.create_connection((name, int(port)), timeout=timeout_s):
            return ProbeResult(host, True, f"{target} accepts connections")
    except OSError as err:
        return ProbeResult(host, False, f"{target} does not accept connections: {err.strerror or err}")


def probe_hosts(hosts: list[str], probe: Callable[[str], ProbeResult]) -> list[ProbeResult]:
    return [probe(host) for host in hosts]


def probe_http(url: str, timeout_s: float = 10.0) -> ProbeResult:
    """Does `url` answer HTTP 200 within the timeout (a health endpoint such as the companion's `/healthz`)?"""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - an operator's http(s) URL
            status, reason = response.status, response.reason
    except urllib.error.HTTPError as err:
        return ProbeResult(url, False, f"{url} answered HTTP {err.code} {err.reason}")
    except urllib.error.URLError as err:
        return ProbeResult(url, False, f"{url} does not answer: {err.reason}")
    except (TimeoutError, OSError) as err:
        return ProbeResult(url, False, f"{url} does not answer within {timeout_s:g} s: {err}")
    if status != 200:
        return ProbeResult(url, False, f"{url} answered HTTP {status} {reason}")
    return ProbeResult(url, True, f"{url} answers HTTP 200")
