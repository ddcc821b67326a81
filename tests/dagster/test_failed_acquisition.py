"""A failed acquisition is visibly failed in Dagster: raw_file's acquisition check fails with the file, its size
and what to do, while its bytes are still backed up and nothing quantifies it."""

import dagster as dg
import pytest

from kraken_assets.quanting import alphadia_job
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_thermo
from kraken_resources.job_engine import JobEngineResource
from tests.conftest import config_dict
from tests.support.pipeline import check_evaluation, materialize_partition, register, resources_for, write_config_file


@pytest.fixture
def setup(mounts, tmp_path, services, mongo_db, config):
    config_file = write_config_file(tmp_path / "alphakraken.yaml", config_dict(mounts))
    # a failed acquisition never reaches the job engine: the base resource, whose session() would raise, proves it
    return config, {**resources_for(config_file, services, mongo_db.name), "slurm": JobEngineResource()}


def test_a_zero_byte_acquisition_fails_its_check_is_backed_up_and_not_quantified(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_empty.raw", 0)
    [rid] = register(mongo_db, config, "thermo1")

    result = materialize_partition([raw_file, raw_file_backup, alphadia_job], rid, resources, instance)

    assert result.success, "the backup of a failed acquisition still runs: its bytes are kept"
    check = check_evaluation(result, "acquisition_complete")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert rid in check.description and "thermo1" in check.description and "0 bytes in 1 file(s)" in check.description
    assert "empty (0 byte) main file" in check.description and "acquire the sample again" in check.description
    assert check_evaluation(result, "backup_identical").passed
    assert [m.partition for m in result.get_asset_materialization_events()
            if m.asset_key == alphadia_job.key] == [], "nothing is quantified"
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "acquisition_failed" and doc["backup_status"] == "copying_done"
    [metadata] = [m.materialization.metadata for m in result.get_asset_materialization_events()
                  if m.asset_key == raw_file.key]
    assert metadata["acquisition"].value.startswith("FAILED: ")
    # what the Dagster UI shows for the partition: the check's latest execution failed
    [execution] = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(raw_file.key, "acquisition_complete"), limit=5)
    assert execution.partition == rid and execution.status.value == "FAILED"


def test_a_finished_acquisition_passes_its_check(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_ok.raw", 5_000)
    [rid] = register(mongo_db, config, "thermo1")
    result = materialize_partition([raw_file, raw_file_backup], rid, resources, instance)
    check = check_evaluation(result, "acquisition_complete")
    assert check.passed and "5,000 bytes in 1 file(s)" in check.description
