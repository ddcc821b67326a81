"""The lifecycle assets, the mover sensor and the remover schedule, run through Dagster with the real record."""

import os

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from kraken_assets.lifecycle import LifecycleDefinitions, instrument_files_moved
from kraken_core.config import KrakenConfig
from kraken_resources import KrakenConfigResource, MongoResource
from tests.support.lifecycle import backup_copy, make_raw_file, metadata_of, resources, unaccounted_files
from tests.support.mount_markers import MARKER, in_production


@pytest.fixture
def production_config(lifecycle_config, monkeypatch):
    monkeypatch.setenv("ENV", "production")

    def build(**lifecycle):
        config = lifecycle_config(min_free_space_gb=10**6, **lifecycle)  # always short of space
        return in_production(config)

    return build


def materialize(config, mongo_db, services, asset, dry_run=False):
    return dg.materialize(
        [asset], resources=resources(config, mongo_db, services), raise_on_error=False,
        run_config={"ops": {asset.key.path[-1]: {"config": {"dry_run": dry_run}}}},
    )


def test_purge_asset_deletes_in_production_and_reports_it(production_config, mongo_db, services):
    config = production_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 4000}, seed=1)
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 1000, "C.wiff.scan": 2000}, seed=2)
    purged = LifecycleDefinitions(config).purged

    result = materialize(config, mongo_db, services, purged)

    assert result.success
    meta = metadata_of(result, purged)
    assert meta["files_deleted"] == 2 and meta["files_refused"] == 0
    assert meta["gb_freed"] == pytest.approx(7000 / 1e9)
    assert meta["mode"].startswith("production")
    rows = {row["instrument"]: row for row in meta["instruments"]}
    assert rows["thermo1"]["free_gb_before"] is not None
    assert (rows["thermo1"]["state"], rows["thermo1"]["errors"]) == ("ok", 0)
    assert "free_gb_after_thermo1" in meta
    assert not (config.instrument_folder("thermo1") / "A.raw").exists()
    assert unaccounted_files(config, mongo_db, "A.raw") == []


def test_dry_run_in_production_deletes_nothing(production_config, mongo_db, services):
    config = production_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 4000})
    purged = LifecycleDefinitions(config).purged

    result = materialize(config, mongo_db, services, purged, dry_run=True)

    meta = metadata_of(result, purged)
    assert meta["files_deleted"] == 0 and meta["files_would_delete"] == 1 and "dry run" in meta["mode"]
    assert (config.instrument_folder("thermo1") / "A.raw").exists()


def test_outside_production_the_same_run_only_reports(production_config, mongo_db, services, monkeypatch):
    monkeypatch.setenv("ENV", "sandbox")
    config = production_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 4000})

    result = materialize(config, mongo_db, services, instrument_files_moved)

    meta = metadata_of(result, instrument_files_moved)
    assert meta["files_moved"] == 0 and meta["files_would_move"] == 1 and "ENV=sandbox" in meta["mode"]
    assert (config.instrument_folder("thermo1") / "A.raw").exists()


def test_too_many_errors_fail_the_run_after_the_other_instruments_ran(production_config, mongo_db, services):
    config = production_config()
    for i in range(3):
        raw = make_raw_file(config, mongo_db, "thermo1", f"R{i}.raw", {f"R{i}.raw": 1000}, seed=i)
        backup_copy(config, raw, f"R{i}.raw").unlink()
    make_raw_file(config, mongo_db, "sciex1", "C.wiff", {"C.wiff": 1000, "C.wiff.scan": 2000}, seed=9)
    purged = LifecycleDefinitions(config).purged

    result = materialize(config, mongo_db, services, purged)

    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.user_failure_data
    assert "too many errors on instrument(s) thermo1" in error.description
    refused = error.metadata["refused"].value
    assert {r["raw_file_id"] for r in refused} == {"R0.raw", "R1.raw", "R2.raw"}
    assert not (config.instrument_folder("sciex1") / "C.wiff").exists()
    assert sorted(os.listdir(config.instrument_folder("thermo1"))) == [MARKER, "R0.raw", "R1.raw", "R2.raw"]


def test_mover_sensor_requests_one_run_per_set_of_due_files(production_config, mongo_db, services):
    config = production_config()
    lifecycle = LifecycleDefinitions(config)
    with dg.build_sensor_context(resources=resources(config, mongo_db, services)) as context:
        assert isinstance(lifecycle.mover_sensor(context), dg.SkipReason)
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    with dg.build_sensor_context(resources=resources(config, mongo_db, services)) as context:
        first = lifecycle.mover_sensor(context)
    with dg.build_sensor_context(resources=resources(config, mongo_db, services)) as context:
        second = lifecycle.mover_sensor(context)
    assert isinstance(first, dg.RunRequest) and first.run_key == second.run_key


def test_mover_sensor_requests_nothing_outside_production(production_config, mongo_db, services, monkeypatch):
    monkeypatch.setenv("ENV", "sandbox")
    config = production_config()
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 1000})
    with dg.build_sensor_context(resources=resources(config, mongo_db, services)) as context:
        answer = LifecycleDefinitions(config).mover_sensor(context)
    assert isinstance(answer, dg.SkipReason) and "1 raw files would move" in answer.skip_message


def test_definitions_include_the_lifecycle_for_both_verification_types(make_config):
    for kind in ("pool", "s3"):
        config = make_config(lifecycle={"purging_verification_type": kind})
        lifecycle = LifecycleDefinitions(config)
        defs = dg.Definitions(assets=lifecycle.assets, jobs=lifecycle.jobs, sensors=[lifecycle.mover_sensor],
                              schedules=[lifecycle.remover_schedule],
                              resources={"kraken_config": KrakenConfigResource(env="test"), "mongo": MongoResource(),
                                         "s3": S3Resource()})
        repo = defs.get_repository_def()
        assert repo.get_schedule_def("purge_instrument_files_schedule").cron_schedule == "0 */12 * * *"
        required = lifecycle.purged.required_resource_keys
        assert ("s3" in required) is (kind == "s3")


def test_free_space_file_stands_in_for_the_disk_only_in_report_runs(lifecycle_config, mongo_db, services, monkeypatch,
                                                                    tmp_path):
    stated = tmp_path / "free_space.yaml"
    stated.write_text("thermo1: 0.001\n")  # 1 MB free, below the 10 MB threshold; the real disk has far more
    config = in_production(lifecycle_config())
    data = config.model_dump(mode="json")
    data["monitoring"]["free_space_file"] = str(stated)
    config = KrakenConfig.model_validate(data)
    make_raw_file(config, mongo_db, "thermo1", "A.raw", {"A.raw": 4000})
    purged = LifecycleDefinitions(config).purged

    monkeypatch.setenv("ENV", "sandbox")
    report = metadata_of(materialize(config, mongo_db, services, purged), purged)
    assert report["files_would_delete"] == 1
    [row] = [r for r in report["instruments"] if r["instrument"] == "thermo1"]
    assert row["free_gb_before"] == 0.001

    monkeypatch.setenv("ENV", "production")
    real = metadata_of(materialize(config, mongo_db, services, purged), purged)
    assert real["files_deleted"] == 0 and real["files_would_delete"] == 0
    assert (config.instrument_folder("thermo1") / "A.raw").exists()
