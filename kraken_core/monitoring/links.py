"""Links into the Dagster UI (`webserver_base_url`), so every alert leads to the page that explains it."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def check_url(base_url: str, asset_path: Sequence[str], check_name: str) -> str:
    path = "/".join(quote(part, safe="") for part in asset_path)
    return f"{_base(base_url)}/assets/{path}?{urlencode({'view': 'checks', 'checkDetail': check_name})}"


def run_url(base_url: str, run_id: str) -> str:
    return f"{_base(base_url)}/runs/{quote(run_id, safe='')}"
