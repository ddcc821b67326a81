"""Prepares the record and the software folder for `make demo`: project PRJ1 (the simulator's file names carry it),
settings `demo_simulated_alphadia` picking the simulated AlphaDIA tool of the local configuration, assigned to PRJ1
on every instrument, and the tool's wrapper in the software folder. Idempotent: run at every demo start.

Run as `python -m kraken_core.demo.setup` (ENV and MOUNTS_PATH as for the platform).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pymongo.database import Database

from kraken_core.config.schema import KrakenConfig

PROJECT_ID = "PRJ1"
SETTINGS_NAME = "demo_simulated_alphadia"
TOOL_NAME = "simulated_alphadia"
STAND_IN = Path(__file__).with_name("simulated_alphadia.py")


def install_stand_in(config: KrakenConfig) -> Path:
    """`<software>/<the tool's executable>`: runs simulated_alphadia.py with this Python."""
    tool = config.quanting.tools[TOOL_NAME]
    wrapper = Path(config.locations.software.path) / tool.executable
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text("#!/bin/sh\n# SIMULATED AlphaDIA of the demo (kraken_core/demo/simulated_alphadia.py): "
                       "no real quantification\n" f'exec "{sys.executable}" "{STAND_IN}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def assign_demo_settings(db: Database, config: KrakenConfig) -> str:
    """Project, settings and assignment, each only if missing; what was done, in one line."""
    from kraken_core.record.raw_files import project_ids
    from kraken_core.record.settings_catalog import (
        assign_settings, create_project, create_settings_version, newest_active_version, project_assignments,
    )

    done = []
    if PROJECT_ID not in project_ids(db):
        create_project(db, {"project_id": PROJECT_ID, "name": "Demo project (simulated acquisitions)"}, "demo")
        done.append(f"project {PROJECT_ID} created")
    settings = newest_active_version(db, SETTINGS_NAME)
    if settings is None:
        settings = create_settings_version(db, {
            "name": SETTINGS_NAME, "tool": TOOL_NAME, "num_threads": "1", "slurm_cpus_per_task": "1",
            "slurm_mem": "1G", "slurm_time": "00:05:00",
            "description": "SIMULATED AlphaDIA of the demo: made-up metrics, no real quantification"},
            "demo", config.quanting.tools)
        done.append(f"settings {SETTINGS_NAME} v{settings['version']} created")
    if not any(a.get("settings") == settings["_id"] for a in project_assignments(db, [PROJECT_ID])):
        vendors = {name: instrument.type.value for name, instrument in config.instruments.items()}
        assign_settings(db, {"project_id": PROJECT_ID, "settings_id": settings["_id"], "scope_type": "all"},
                        vendors, "demo")
        done.append(f"assigned to {PROJECT_ID} on every instrument")
    return "; ".join(done) or f"project {PROJECT_ID} and settings {SETTINGS_NAME} already in place"


def main() -> int:
    from kraken_core.config import load_config, load_environment
    from kraken_core.record.connection import run_on_record
    from kraken_core.record.environment_settings import mongo_settings
    from kraken_core.record.settings_catalog import InvalidInput

    config = load_config()
    if not (config.quanting.enabled and TOOL_NAME in config.quanting.tools):
        print(f"demo: quantification not set up (quanting.enabled and quanting.tools.{TOOL_NAME} in the "
              f"configuration); raw files will end done_not_quanted")
        return 0
    wrapper = install_stand_in(config)
    return run_on_record(
        mongo_settings(load_environment()),
        lambda db: f"demo: {assign_demo_settings(db, config)}; the simulated AlphaDIA ({wrapper}) runs through the "
                   f"{config.quanting.engine} job engine",
        (InvalidInput,), "demo setup")


if __name__ == "__main__":
    sys.exit(main())
