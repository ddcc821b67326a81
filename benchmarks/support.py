"""What the benchmarks need from the test services: where they are (services.env written by
tests/services/services.sh). Kept here so no benchmark imports the test suite's helpers."""

from __future__ import annotations

import os
from pathlib import Path


def service_env() -> dict[str, str]:
    """Connection details of the running test services (empty when none were started)."""
    path = Path(os.environ.get("KRAKEN_TEST_SERVICES_DIR", "/tmp/kraken-test-services")) / "services.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value
    return values
