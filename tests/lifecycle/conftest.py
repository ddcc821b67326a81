"""Fixtures of the lifecycle tests: a production-mode switch and a configuration with small thresholds."""

from __future__ import annotations

import pytest

from kraken_core.lifecycle.mode import LifecycleMode

PRODUCTION = LifecycleMode(True, "test run in production mode")
REPORT_ONLY = LifecycleMode(False, "ENV=test: reporting only")


@pytest.fixture
def lifecycle_config(make_config):
    """Every instrument purges down to 10 MB free (more than any test disk has) and moves after 0 minutes."""

    def build(**instrument_lifecycle):
        settings = {"file_move_delay_m": 0, "min_free_space_gb": 0.01, "min_file_age_days": 1, **instrument_lifecycle}
        return make_config(
            instruments={
                "thermo1": {"type": "thermo", "lifecycle": settings},
                "bruker1": {"type": "bruker", "lifecycle": settings},
                "sciex1": {"type": "sciex", "lifecycle": settings},
            }
        )

    return build
