"""`alphadia_job` says which engine runs its jobs: the kind in the catalog and the metadata follow quanting.engine."""

import pytest

from kraken_assets.quanting import build_quanting_definitions
from tests.monitoring.conftest import with_quanting


@pytest.mark.parametrize("engine", ["slurm", "local"])
def test_the_submission_asset_has_the_kind_of_its_engine(make_config, mounts, tmp_path, engine):
    overrides = with_quanting(mounts, ["head1"], str(tmp_path / "known_hosts"))
    overrides["quanting"]["engine"] = engine
    definitions = build_quanting_definitions(make_config(**overrides))
    [job] = [a for a in definitions.assets if a.key.to_user_string() == "alphadia_job"]
    kinds = job.specs_by_key[job.key].kinds
    assert engine in kinds and ({"slurm", "local"} - {engine}).isdisjoint(kinds)
    assert f"dagster/kind/{engine}" in job.specs_by_key[job.key].tags
