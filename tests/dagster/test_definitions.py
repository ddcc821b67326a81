"""The whole Definitions load for every shipped environment, so a broken import or resource fails here."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# each test loads the whole Definitions in a fresh Python process: service tier, not make test-fast
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ENVS = sorted(p.name[len("alphakraken."):-len(".yaml")] for p in (ROOT / "envs").glob("alphakraken.*.yaml"))

PROBE = """
import json, warnings
warnings.simplefilter("ignore")
import dagster as dg
from kraken_assets.definitions import build_definitions
from kraken_core.config import load_config
defs = build_definitions({env!r})
dg.Definitions.validate_loadable(defs)
config = load_config({env!r})
print(json.dumps({{
    "sensors": sorted(s.name for s in defs.sensors),
    "jobs": sorted(j.name for j in defs.resolve_all_job_defs()),
    "instruments": sorted(config.instruments),
    "assets": sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()),
    "checks": sorted(k.to_user_string() for k in defs.resolve_asset_graph().asset_check_keys),
}}))
"""

# which optional capabilities each shipped configuration has (docs/pipeline.md, "Which assets appear when")
LIFECYCLE = {"instrument_files_moved", "instrument_files_purged"}
CAPABILITY_ASSETS = {
    "local": {"mongodb_record_dump"},
    "production": {"mongodb_record_dump", *LIFECYCLE},
    "sandbox": {"mongodb_record_dump", *LIFECYCLE},
    "test": set(),
}


@pytest.mark.parametrize("env", ENVS)
def test_definitions_load_for_every_environment(env, tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MONGO_", "MOUNTS_PATH"))}
    environ.update({"MOUNTS_PATH": str(tmp_path), "ENV": env})
    result = subprocess.run([sys.executable, "-c", PROBE.format(env=env)], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "raw_file_pipeline" in loaded["jobs"]
    for instrument_id in loaded["instruments"]:
        assert f"watch_{instrument_id}" in loaded["sensors"]
    # no asset of a capability the environment does not configure: nothing that could never materialize there
    optional = {"raw_file_s3", "mongodb_record_dump", *LIFECYCLE}
    assert optional & set(loaded["assets"]) == CAPABILITY_ASSETS[env]
    assert ("platform_services:remover_heartbeat_fresh" in loaded["checks"]) == (LIFECYCLE <= CAPABILITY_ASSETS[env])
    assert "raw_file:acquisition_complete" in loaded["checks"]


def test_bad_configuration_stops_the_code_location_with_file_and_key(tmp_path):
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "alphakraken.sandbox.yaml").write_text(
        "locations: {instruments: {path: /x}, backup: {path: /b}, output: {path: /o}}\n"
        "instruments: {a1: {type: orbitrap}}\n"
    )
    environ = {**os.environ, "KRAKEN_ENVS_DIR": str(envs), "ENV": "sandbox"}
    result = subprocess.run([sys.executable, "-c", "import kraken_assets.definitions"], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "alphakraken.sandbox.yaml: instruments.a1.type" in result.stderr
    assert "orbitrap" in result.stderr


def test_local_instance_config_is_valid_for_dagster(tmp_path):
    import shutil

    import dagster as dg

    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 2
