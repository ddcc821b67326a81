"""End to end on the production instance configuration: Dagster's runs, events, schedules and pools in a real
PostgreSQL (dagster-postgres) instead of SQLite. A Thermo acquisition is dropped into an instrument folder, the
daemon's watcher finds it and the run backs it up, verified; everything Dagster knows is read back from PostgreSQL.
"""


import dagster as dg
import psycopg2
import pytest

from kraken_assets.instance_pools import apply_pool_limits
from kraken_core.config import load_config
from kraken_core.pools import pool_limits
from kraken_core.simulator import write_thermo
from tests.deployment.conftest import production_instance_yaml
from tests.support.platform import running_platform, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def platform(tmp_path, services, mounts, postgres_env, monkeypatch):
    env = {**postgres_env, "MOUNTS_PATH": str(mounts)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    def set_pools(running):
        with running.instance() as instance:  # what the code location does at start-up
            apply_pool_limits(instance, pool_limits(load_config("test")))

    dagster_yaml = production_instance_yaml(tmp_path / "instance")
    with running_platform(tmp_path, services, env, database_prefix="kt_pg_e2e", dagster_yaml=dagster_yaml,
                          before_start=set_pools) as running:
        yield running


def test_a_thermo_acquisition_is_backed_up_with_dagster_storage_in_postgres(platform, mounts, postgres_env):
    running, db = platform
    name = "20240301_PRJ1_postgres.raw"
    (source,) = write_thermo(mounts / "instruments" / "thermo1", name, 2_500_000, seed=11)

    def finished():
        doc = db.raw_file.find_one({"_id": name})
        return doc if doc and doc["status"] in ("done_not_quanted", "error", "acquisition_failed") else None

    try:
        doc = wait_for(finished, 180, f"{name} to reach a final status")
    except AssertionError:
        print(running.log_tail())
        raise
    assert doc["status"] == "done_not_quanted", doc.get("status_details")
    backup = mounts / "backup" / "thermo1" / doc["created_at"].strftime("%Y_%m") / name
    assert backup.read_bytes() == source.read_bytes()

    # every fact Dagster keeps is in PostgreSQL: the instance opened from the same yaml reads it back
    with running.instance() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert name in instance.get_dynamic_partitions("raw_files")
        runs = wait_for(lambda: [r.status for r in instance.get_runs(dg.RunsFilter(tags={"dagster/partition": name}))
                                 if r.is_finished], 60, f"the run of {name} to finish")
        assert runs == [dg.DagsterRunStatus.SUCCESS]
        copies = instance.event_log_storage.get_concurrency_info("copies")
        assert copies.slot_count == 2 and copies.active_slot_count == 0, "the copy gave its slot back"
    with psycopg2.connect(host=postgres_env["DAGSTER_POSTGRES_HOST"], port=int(postgres_env["DAGSTER_POSTGRES_PORT"]),
                          user=postgres_env["DAGSTER_POSTGRES_USER"], password=postgres_env["DAGSTER_POSTGRES_PASSWORD"],
                          dbname=postgres_env["DAGSTER_POSTGRES_DB"]) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM runs WHERE status = 'SUCCESS'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM event_logs WHERE asset_key LIKE '%raw_file_backup%'")
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT execution_status FROM asset_check_executions WHERE check_name = 'backup_identical'")
        assert [row[0] for row in cursor.fetchall()] == ["SUCCEEDED"], "the blocking backup check passed"
    assert not list(running.home.rglob("*.db")), "no SQLite storage beside PostgreSQL"
