"""How the S3 upload is wired: nothing waits for it, its sensor exists only with backup_type s3, and the
definitions load without S3 credentials in the environment."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.support.platform import ROOT

# each test loads the whole Definitions in a fresh Python process: service tier, not make test-fast
pytestmark = pytest.mark.slow

PROBE = """
import json, warnings
warnings.simplefilter("ignore")
import dagster as dg
from kraken_assets.definitions import build_definitions
defs = build_definitions("test")
dg.Definitions.validate_loadable(defs)
graph = defs.resolve_asset_graph()
downstream, frontier = set(), {dg.AssetKey("raw_file_s3")}
while frontier:
    frontier = {child for key in frontier for child in graph.get(key).child_keys} - downstream
    downstream |= frontier
print(json.dumps({
    "sensors": sorted(s.name for s in defs.sensors),
    "pipeline": sorted(k.to_user_string() for k in defs.resolve_job_def("raw_file_pipeline").asset_layer.selected_asset_keys),
    "upload_job": sorted(k.to_user_string() for k in defs.resolve_job_def("raw_file_s3_upload").asset_layer.selected_asset_keys),
    "downstream_of_s3": sorted(k.to_user_string() for k in downstream),
}))
"""


def load(tmp_path, backup: dict, probe: str = PROBE) -> dict:
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "test.env").write_text((ROOT / "envs" / "test.env").read_text())
    config = yaml.safe_load((ROOT / "envs" / "alphakraken.test.yaml").read_text())
    config["backup"] = backup
    (envs / "alphakraken.test.yaml").write_text(yaml.safe_dump(config))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MONGO_", "MOUNTS_PATH", "S3_", "AWS_"))}
    environ.update({"MOUNTS_PATH": str(tmp_path), "ENV": "test", "KRAKEN_ENVS_DIR": str(envs), "MONGO_PORT": "1"})
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=environ, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


CATALOG_PROBE = """
import json, warnings
warnings.simplefilter("ignore")
from kraken_assets.definitions import build_definitions
defs = build_definitions("test")
print(json.dumps({
    "assets": [k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()],
    "jobs": [j.name for j in defs.resolve_all_job_defs()],
    "sensors": [s.name for s in defs.sensors],
}))
"""


def test_no_s3_asset_without_s3_configured(tmp_path):
    loaded = load(tmp_path, {"backup_type": "pool"}, CATALOG_PROBE)
    assert "raw_file_backup" in loaded["assets"] and "raw_file_s3" not in loaded["assets"]
    assert "raw_file_s3_upload" not in loaded["jobs"] and "request_s3_uploads" not in loaded["sensors"]


@pytest.mark.parametrize("backup_type", ["s3", "pool"])
def test_upload_runs_apart_and_nothing_depends_on_it(tmp_path, backup_type):
    backup = {"backup_type": backup_type, "s3": {"endpoint_url": "http://127.0.0.1:9", "chunk_size_mb": 5}}
    loaded = load(tmp_path, backup)
    assert "raw_file_s3" not in loaded["pipeline"] and "raw_file_backup" in loaded["pipeline"]
    assert loaded["upload_job"] == ["raw_file_s3"]
    # quantification (or anything else) never waits for an upload
    assert loaded["downstream_of_s3"] == []
    assert ("request_s3_uploads" in loaded["sensors"]) == (backup_type == "s3")
