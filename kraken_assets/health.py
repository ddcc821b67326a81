"""`location_health`: one partition per instrument plus `backup` and `output`, materialized on a schedule, with
the monitoring checks (mount, free space, heartbeat, pile-ups, stall, files newly in error or failed upload, the
Evosep pump pressure)."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.lifecycle.mode import lifecycle_mode
from kraken_core.monitoring.health_checks import LOCATION_CHECKS, Verdict, evaluate_location
from kraken_core.monitoring.location_health import LocationReport, location_names, measure_location, with_record_facts
from kraken_core.monitoring.pump_pressure import PressureSample
from kraken_core.record.location_facts import (
    new_raw_file_errors,
    new_reused_names,
    new_upload_failures,
    pump_pressure_readings,
    unfinished_instrument_files,
)
from kraken_resources import KrakenConfigResource, MongoResource

LOCATION_HEALTH = dg.AssetKey("location_health")
CHECK_DESCRIPTIONS = {
    "mount_ok": "The folder exists, is mounted (per its mount_check) and is readable.",
    "free_space": "Free space is above the threshold (instruments 200 GB, backup 500 GB, output 300 GB by default).",
    "heartbeat_fresh": "The watcher (instruments) or location_heartbeat sensor wrote kraken_status recently.",
    "no_status_pile_up": "No non-terminal status holds more than its limit of this instrument's raw files.",
    "not_stalled": "The instrument produced a raw file within stall_alert_hours (only where configured).",
    "no_new_raw_file_errors": "No raw file of this instrument entered status `error` since the last evaluation.",
    "no_new_upload_failures": "No S3 upload of this instrument failed since the last evaluation.",
    "no_reused_file_names": (
        "No acquisition since the last evaluation reused the name of a raw file already in the record (each such "
        "file is backed up as a raw file of its own with a timestamp prefix)."
    ),
    "no_instrument_file_pile_up": (
        "At most instrument_file_pile_up_limit (30) raw files acquired more than instrument_file_min_age_h (6 h) "
        "ago are unfinished in the instrument folder (not yet backed up, or backed up but not moved)."
    ),
    "pump_pressure_normal": (
        "The Evosep pump's high-pressure maximum (MSQC) rose by at most 20 bar over the last 5 comparable samples "
        "and the newest is below 480 bar (monitoring.pump_pressure)."
    ),
}


def check_result(asset_key: dg.AssetKey, verdict: Verdict) -> dg.AssetCheckResult:
    """A verdict as an asset check result; `subject` and `alert_kind` tell the alert sensor whom it is about."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=verdict.check,
        passed=verdict.passed,
        description=verdict.description,
        metadata={**verdict.metadata, "subject": verdict.subject, "alert_kind": verdict.kind},
    )


def _previous_record_check(context: dg.AssetExecutionContext, partition: str) -> datetime | None:
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=LOCATION_HEALTH, asset_partitions=[partition]), limit=1
    ).records
    if not records:
        return None
    value = records[0].asset_materialization.metadata.get("record_checked_at")
    return datetime.fromtimestamp(value.value, UTC) if value is not None else None


def _metadata(report: LocationReport) -> dict:
    metadata = {
        "kind": report.kind,
        "path": dg.MetadataValue.path(report.path),
        "mount_ok": report.mount_ok,
        "details": report.details,
    }
    if report.free_gb is not None:
        metadata["free_gb"] = dg.MetadataValue.float(round(report.free_gb, 1))
    if report.record_error:
        metadata["record_error"] = report.record_error
    if report.record is not None:
        metadata["record_checked_at"] = dg.MetadataValue.timestamp(report.measured_at)
        heartbeat = report.heartbeat_age_s()
        if heartbeat is not None:
            metadata["heartbeat_age_s"] = dg.MetadataValue.float(round(heartbeat, 1))
        if report.kind == "instrument":
            metadata["newest_file"] = report.record.newest_file or "(none yet)"
            age = report.newest_file_age_s()
            if age is not None:
                metadata["newest_file_age_h"] = dg.MetadataValue.float(round(age / 3600, 2))
            for status, count in sorted(report.record.status_counts.items()):
                metadata[f"files_{status}"] = dg.MetadataValue.int(count)
            metadata["files_in_progress"] = dg.MetadataValue.int(sum(report.record.status_counts.values()))
    return metadata


def build_location_health(config: KrakenConfig) -> dg.AssetsDefinition:
    partitions = dg.StaticPartitionsDefinition(location_names(config))

    @dg.multi_asset(
        name="location_health",
        specs=[
            dg.AssetSpec(
                LOCATION_HEALTH,
                partitions_def=partitions,
                group_name="monitoring",
                kinds={"python", "mongodb"},
                owners=["team:lab-it"],
                freshness_policy=dg.FreshnessPolicy.time_window(
                    fail_window=timedelta(minutes=config.monitoring.health_fresh_m)
                ),
                description=(
                    "Health of one instrument share, the backup pool or the output folder: mounted, free GB, "
                    "heartbeat age, newest raw file and its age, raw files per non-terminal status."
                ),
            )
        ],
        check_specs=[
            dg.AssetCheckSpec(name, asset=LOCATION_HEALTH, description=CHECK_DESCRIPTIONS[name])
            for name in LOCATION_CHECKS
        ],
        partitions_def=partitions,
        can_subset=True,
    )
    def location_health(context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource):
        cfg = kraken_config.get()
        name = context.partition_key
        report = with_record_facts(measure_location(cfg, name), mongo.get_database())
        errors = failures = reused = unfinished = pressure = None
        if report.kind == "instrument" and report.record is not None:
            since = _previous_record_check(context, name) or report.measured_at - timedelta(
                minutes=cfg.monitoring.health_fresh_m
            )
            db = mongo.get_database()
            errors, failures = new_raw_file_errors(db, name, since), new_upload_failures(db, name, since)
            reused = new_reused_names(db, name, since)
            moving = cfg.instruments[name].lifecycle.moves_files and lifecycle_mode(kraken_config.env, cfg).destructive
            unfinished = unfinished_instrument_files(
                db, name, report.measured_at - timedelta(hours=cfg.monitoring.instrument_file_min_age_h), moving)
            pressure = [PressureSample(**row) for row in pump_pressure_readings(
                db, name, report.measured_at - timedelta(hours=cfg.monitoring.pump_pressure.lookback_h))]
        if report.record_error:
            context.log.warning(f"{name}: record checks skipped, MongoDB unreachable: {report.record_error}")
        yield dg.MaterializeResult(asset_key=LOCATION_HEALTH, metadata=_metadata(report))
        for verdict in evaluate_location(cfg, report, errors, failures, reused, unfinished, pressure):
            yield check_result(LOCATION_HEALTH, verdict)

    return location_health
