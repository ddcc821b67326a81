"""Raw files at the sizes instruments write: a 2.5 GB and a 5 GB Thermo file, a timsTOF `.d` whose
`analysis.tdf_bin` is over 4 GiB. They are sparse files with data at the start, the middle and the end, so their
md5 depends on every region while the test stays within the machine's disk; the backups are real copies."""

import hashlib
import random

import dagster as dg
import pytest

from kraken_assets.catch_up import catch_up_run_config, raw_file_catch_up
from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_relpath
from kraken_core.record.raw_files import get_raw_file
from kraken_core.simulator import write_bruker, write_thermo
from kraken_core.verified_copy import TMP_SUFFIX
from kraken_resources.slurm import build_slurm_resource
from tests.conftest import config_dict
from tests.support.pipeline import check_evaluation, materialize_partition, register, resources_for, write_config_file

GB = 10**9
GIB = 2**30
BLOCK = 1_000_000


def write_sparse(path, size: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)
        for offset in (0, size // 2, size - BLOCK):
            handle.seek(offset)
            handle.write(random.Random(seed + offset).randbytes(BLOCK))


def md5_of(path) -> str:
    digest = hashlib.md5()
    with open(path, "rb", buffering=0) as handle:
        while chunk := handle.read(16 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture
def setup(mounts, tmp_path, services, mongo_db, config, instance):
    config_file = write_config_file(tmp_path / "alphakraken.yaml", config_dict(mounts))
    resources = {**resources_for(config_file, services, mongo_db.name), "slurm": build_slurm_resource(config)}
    return config, resources, instance


def assert_backed_up_identically(config, mongo_db, rid: str) -> dict:
    doc = get_raw_file(mongo_db, rid)
    assert doc["backup_status"] == "copying_done", doc["status_details"]
    assert type(doc["size"]) is int
    raw = RawFileLocation.from_doc(doc)
    base = backup_base_path(config, raw)
    folder = config.instrument_folder(raw.instrument_id)
    for rel, (size, md5, *_) in doc["file_info"].items():
        assert type(size) is int
        source, backup = folder / rel, base / backup_relpath(raw, rel)
        assert backup.stat().st_size == source.stat().st_size == size
        assert md5_of(backup) == md5_of(source) == md5, f"{rel}: backup differs from the instrument file"
    assert not [p for p in base.rglob(f"*{TMP_SUFFIX}")], "no staged copy is left behind"
    return doc


def test_raw_files_over_2_gib_and_a_4_gib_timstof_file_pass_their_pipeline_runs(setup, mongo_db):
    config, resources, instance = setup
    write_sparse(config.instrument_folder("thermo1") / "20240301_PRJ1_astral_2p5GB.raw", int(2.5 * GB), seed=1)
    bruker = config.instrument_folder("bruker1")
    write_bruker(bruker, "20240301_PRJ1_tims_4p3GiB.d", 10)
    write_sparse(bruker / "20240301_PRJ1_tims_4p3GiB.d" / "analysis.tdf_bin", int(4.3 * GIB), seed=2)
    ids = register(mongo_db, config, "thermo1") + register(mongo_db, config, "bruker1")
    assert len(ids) == 2

    for rid in ids:
        result = materialize_partition([raw_file, raw_file_backup], rid, resources, instance)
        failures = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
        assert result.success, failures
        assert check_evaluation(result, "backup_identical").passed
        doc = assert_backed_up_identically(config, mongo_db, rid)
        assert doc["status"] == "done_not_quanted"
        metadata = result.asset_materializations_for_node("raw_file_backup")[0].metadata
        assert metadata["size_bytes"].value == doc["size"] > 2**31


def test_a_5_gb_file_in_a_catch_up_batch_is_backed_up_and_the_files_after_it_too(setup, mongo_db):
    config, resources, instance = setup
    folder = config.instrument_folder("thermo1")
    write_sparse(folder / "20240301_PRJ1_astral_5GB.raw", 5 * GB, seed=3)
    write_thermo(folder, "20240301_PRJ1_small_1.raw", 200_000)
    write_thermo(folder, "20240301_PRJ1_small_2.raw", 300_000)
    ids = sorted(register(mongo_db, config, "thermo1"), key=lambda rid: "5GB" not in rid)  # the large file first
    instance.add_dynamic_partitions("raw_files", ids)

    result = raw_file_catch_up.execute_in_process(run_config=catch_up_run_config(ids), resources=resources,
                                                  instance=instance, raise_on_error=False)

    failures = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    for rid in ids:
        assert assert_backed_up_identically(config, mongo_db, rid)["status"] == "done_not_quanted"
    checks = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("raw_file_backup"), "backup_identical"), limit=10)
    assert sorted(c.partition for c in checks) == sorted(ids)
    assert all(c.status.value == "SUCCEEDED" for c in checks)
