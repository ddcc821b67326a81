"""Links between the Dagster UI and the companion app; plain strings, no Dagster import."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def dagster_partition_url(webserver_base_url: str, raw_file_id: str, asset: str = "raw_file") -> str:
    """The Dagster UI page of one raw file's partition of `asset`."""
    query = urlencode({"view": "partitions", "partition": raw_file_id}, quote_via=quote)  # spaces as %20, as the UI writes
    return f"{webserver_base_url.rstrip('/')}/assets/{quote(asset)}?{query}"


def companion_raw_file_url(companion_base_url: str, raw_file_id: str) -> str:
    """The companion app's page of one raw file (record, files, metrics)."""
    return f"{companion_base_url.rstrip('/')}/raw_files/{quote(raw_file_id, safe='')}"
