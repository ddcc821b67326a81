"""Where the test services are: read from the services.env that tests/services/services.sh writes."""

from __future__ import annotations

import os
from pathlib import Path


def services_dir() -> Path:
    return Path(os.environ.get("KRAKEN_TEST_SERVICES_DIR", "/tmp/kraken-test-services"))


def service_env() -> dict[str, str]:
    path = services_dir() / "services.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value
    return values
