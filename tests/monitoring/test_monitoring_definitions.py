"""Monitoring in the Definitions: the schedule measures every location, the slurm check needs the cluster config."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from kraken_assets.monitoring import build_monitoring
from kraken_resources.slurm import build_slurm_resource
from tests.monitoring.conftest import with_quanting


def test_schedule_requests_one_run_per_location(config):
    monitoring = build_monitoring(config)
    schedule = next(s for s in monitoring.schedules if s.name == "monitor_locations_schedule")
    assert schedule.cron_schedule == "*/5 * * * *"
    tick = datetime(2026, 3, 1, 12, 5, tzinfo=UTC)
    requests = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert [r.partition_key for r in requests] == ["thermo1", "bruker1", "sciex1", "backup", "output"]
    assert len({r.run_key for r in requests}) == 5


def test_health_cron_and_freshness_come_from_the_config(make_config):
    config = make_config(monitoring={"health_cron": "*/2 * * * *", "health_fresh_m": 7})
    monitoring = build_monitoring(config)
    assert {s.cron_schedule for s in monitoring.schedules} == {"*/2 * * * *"}
    for health_asset in monitoring.assets[:2]:
        [spec] = health_asset.specs
        assert spec.freshness_policy.fail_window.to_timedelta().total_seconds() == 7 * 60


def test_remover_heartbeat_check_only_where_the_lifecycle_is_configured(make_config, config):
    def checks(cfg) -> set[str]:
        return {k.name for k in build_monitoring(cfg).assets[1].check_keys}

    assert "remover_heartbeat_fresh" not in checks(config)  # no remover there: nothing that could ever pass
    assert "remover_heartbeat_fresh" in checks(make_config(lifecycle={"remover_cron": "0 3 * * *"}))


def test_slurm_check_only_with_quanting_and_then_wired_to_the_slurm_resource(make_config, config, mounts, tmp_path):
    always = ["local_disk_free", "mongo_reachable"]
    plain = build_monitoring(config).assets[1]
    assert sorted(k.name for k in plain.check_keys) == always
    quanting = make_config(**with_quanting(mounts, ["head1", "head2:2222"], str(tmp_path / "known_hosts")))
    monitoring = build_monitoring(quanting)
    services = monitoring.assets[1]
    assert sorted(k.name for k in services.check_keys) == sorted([*always, "slurm_head_nodes_reachable"])
    assert "slurm" in services.required_resource_keys
    defs = dg.Definitions(assets=monitoring.assets, resources={
        "kraken_config": dg.ResourceDefinition.none_resource(), "mongo": dg.ResourceDefinition.none_resource(),
        "slurm": build_slurm_resource(quanting)})
    defs.get_repository_def().load_all_definitions()


def test_companion_check_only_where_the_companion_has_an_address(make_config):
    services = build_monitoring(make_config(companion_base_url="http://webapp.example:8050")).assets[1]
    [spec] = [spec for spec in services.check_specs if spec.name == "companion_healthy"]
    assert "http://webapp.example:8050/healthz" in spec.description
    explicit = make_config(monitoring={"companion_health_url": "http://127.0.0.1:8050/healthz"})
    assert "companion_healthy" in {k.name for k in build_monitoring(explicit).assets[1].check_keys}
