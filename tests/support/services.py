"""Where the test services are: read from the services.env that tests/services/services.sh writes."""

from __future__ import annotations

import os
from pathlib import Path


def services_dir() -> Path:
    return Path(os.environ.get("KRAKEN_TEST_SERVICES_DIR", "/tmp/kraken-test-services"))


SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")


class ServiceEnv(dict):
    """Connection details whose repr hides passwords, keys and tokens: pytest prints a failing test's arguments,
    and test credentials belong in no output either."""

    def __repr__(self) -> str:
        shown = (f"{k!r}: {'***' if any(w in k.upper() for w in SECRET_WORDS) else repr(v)}" for k, v in self.items())
        return "{" + ", ".join(shown) + "}"


def service_env() -> ServiceEnv:
    path = services_dir() / "services.env"
    values = ServiceEnv()
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value
    return values
