"""Whether a lifecycle run may touch instrument files, or only reports what it would do."""

from __future__ import annotations

from dataclasses import dataclass

from kraken_core.config.schema import KrakenConfig


@dataclass(frozen=True)
class LifecycleMode:
    destructive: bool
    reason: str

    @property
    def label(self) -> str:
        return "production" if self.destructive else "report only"


def lifecycle_mode(env: str, config: KrakenConfig, dry_run: bool = False) -> LifecycleMode:
    """Both the environment (`ENV=production`) and the configuration (`production: true`) must agree.

    A sandbox that copied the production YAML, or a production worker started with the wrong `.env`, therefore
    never deletes. A dry run (from the configuration or from the run) reports only, also in production.
    """
    if dry_run or config.lifecycle.dry_run:
        return LifecycleMode(False, "dry run: nothing is moved or deleted, the run reports what it would do")
    if env != "production":
        return LifecycleMode(
            False, f"ENV={env}: instrument files are moved and deleted only with ENV=production; reporting only"
        )
    if not config.production:
        return LifecycleMode(
            False, "ENV=production but the configuration says production: false; reporting only until both agree"
        )
    return LifecycleMode(True, "ENV=production and production: true")
