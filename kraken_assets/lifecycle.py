"""Instrument file lifecycle in Dagster: `instrument_files_moved` and `instrument_files_purged`, their jobs, the
mover sensor and the remover schedule. The work is done by `kraken_core.lifecycle`; this module only wires it.

Files are moved or deleted only with ENV=production and `production: true`, and never in a dry run (run config
`dry_run: true` or `lifecycle.dry_run`); any other run reports what it would do, with the same metadata.
"""

import hashlib

import dagster as dg

from kraken_core.pools import INSTRUMENT_FILES
from kraken_core.config import KrakenConfig
from kraken_core.config.capabilities import lifecycle_configured
from kraken_core.lifecycle.free_space import demo_free_space_probe, statvfs_free_bytes
from kraken_core.lifecycle.mode import LifecycleMode, lifecycle_mode
from kraken_core.lifecycle.mover import Mover
from kraken_core.lifecycle.outcomes import InstrumentReport
from kraken_core.lifecycle.remover import Remover
from kraken_core.lifecycle.summary import instrument_rows, refusals, run_totals, summary_markdown
from kraken_core.lifecycle.verification import BackupVerifier, PoolBackupVerifier
from kraken_core.record.kraken_status import FILE_REMOVER, write_job_heartbeat
from kraken_core.record.lifecycle_log import ensure_lifecycle_indexes
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_sensors.instrument_file_mover import build_mover_sensor

GROUP = "instrument_lifecycle"
LIFECYCLE_TAGS = {"kraken/lifecycle": "instrument_files"}


class LifecycleRunConfig(dg.Config):
    dry_run: bool = False


def _result(context, step: str, config: KrakenConfig, mode: LifecycleMode, reports: list[InstrumentReport]):
    """Metadata for the UI; a Failure (carrying the same metadata) when an instrument had too many errors."""
    max_errors = config.lifecycle.max_errors_per_instrument
    totals = run_totals(reports)
    for report in reports:
        for outcome in report.outcomes:
            log = context.log.warning if outcome.action == "refused" else context.log.info
            log(f"{report.instrument_id}: {outcome.raw_file_id}: {outcome.action}: {outcome.reason}")
        if report.error:
            context.log.error(report.error)
    metadata = {
        "mode": f"{mode.label}: {mode.reason}",
        **{key: dg.MetadataValue.int(value) for key, value in totals.items() if isinstance(value, int)},
        **{key: dg.MetadataValue.float(value) for key, value in totals.items() if isinstance(value, float)},
        "instruments": dg.MetadataValue.json(instrument_rows(reports, max_errors)),
        "refused": dg.MetadataValue.json(refusals(reports)[:200]),
        "summary": dg.MetadataValue.md(summary_markdown(step, mode, reports, max_errors)),
    }
    for report in reports:
        if report.free_after is not None:
            free_gb = round(report.free_after / 1e9, 3)
            metadata[f"free_gb_after_{report.instrument_id}"] = dg.MetadataValue.float(free_gb)
    failed = [r for r in reports if r.failed(max_errors)]
    if failed:
        raise dg.Failure(
            description=(
                f"{step}: too many errors on instrument(s) {', '.join(r.instrument_id for r in failed)} "
                f"({'; '.join(r.error or f'{r.errors} files refused with errors' for r in failed)}). "
                f"Nothing unverified was deleted; see the refusals, fix the cause, and the next run retries"
            ),
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)


def _mode(env: str, config: KrakenConfig, run_config: LifecycleRunConfig) -> LifecycleMode:
    return lifecycle_mode(env, config, dry_run=run_config.dry_run)


@dg.asset(
    group_name=GROUP,
    kinds={"python", "mongodb"},
    owners=["team:lab-it"],
    pool=INSTRUMENT_FILES,
    description=(
        "Finished raw files moved into their instrument's Backup/ folder, file_move_delay_m minutes after a "
        "verified backup (a Bruker .d as a whole; an identical copy already there makes the source *.deleteme). "
        "Metadata: files moved, refusals and why."
    ),
)
def instrument_files_moved(
    context: dg.AssetExecutionContext, config: LifecycleRunConfig, kraken_config: KrakenConfigResource,
    mongo: MongoResource,
) -> dg.MaterializeResult:
    cfg = kraken_config.get()
    db = mongo.get_database()
    ensure_lifecycle_indexes(db)
    mode = _mode(kraken_config.env, cfg, config)
    reports = Mover(cfg, db, mode, run_id=context.run.run_id).run()
    return _result(context, "move", cfg, mode, reports)


def _purge(context, run_config: LifecycleRunConfig, env: str, cfg: KrakenConfig, db, verifier: BackupVerifier):
    ensure_lifecycle_indexes(db)
    mode = _mode(env, cfg, run_config)
    demo = not mode.destructive and cfg.monitoring.free_space_file is not None
    free_space = demo_free_space_probe(cfg) if demo else statvfs_free_bytes
    reports = Remover(cfg, db, mode, verifier, free_space=free_space, run_id=context.run.run_id).run()
    failed = [r.instrument_id for r in reports if r.failed(cfg.lifecycle.max_errors_per_instrument)]
    totals = run_totals(reports)
    write_job_heartbeat(
        db, FILE_REMOVER, not failed,
        f"run {context.run.run_id[:8]} ({mode.label}): {totals['files_deleted']} deleted, "
        f"{totals['files_would_delete']} would be deleted, {totals['files_refused']} refused"
        + (f"; too many errors on {', '.join(failed)}" if failed else ""),
    )
    return _result(context, "purge", cfg, mode, reports)


PURGE_DESCRIPTION = (
    "Instrument disk space freed: per instrument below min_free_space_gb, the oldest raw files older than "
    "min_file_age_days are deleted until enough space is free, each only after every instrument file and every "
    "backup copy matched the record ({proof}). Metadata: files deleted, GB freed, refusals and why, free space "
    "before and after."
)


def build_purge_asset(config: KrakenConfig) -> dg.AssetsDefinition:
    """Pool verification re-reads the backup pool; S3 verification needs the `s3` resource for HEAD requests."""
    common = dict(name="instrument_files_purged", group_name=GROUP, kinds={"python", "mongodb"},
                  owners=["team:lab-it"], pool=INSTRUMENT_FILES)
    if config.lifecycle.purging_verification_type == "s3":
        from dagster_aws.s3 import S3Resource

        from kraken_core.lifecycle.s3_head import s3_head_object
        from kraken_core.lifecycle.verification import S3BackupVerifier
        from kraken_resources.s3 import object_store

        @dg.asset(**common, description=PURGE_DESCRIPTION.format(proof="S3 size and ETag by HEAD"))
        def purged_s3(
            context: dg.AssetExecutionContext, config: LifecycleRunConfig, kraken_config: KrakenConfigResource,
            mongo: MongoResource, s3: S3Resource,
        ) -> dg.MaterializeResult:
            cfg = kraken_config.get()
            verifier = S3BackupVerifier(s3_head_object(cfg, object_store(s3, cfg.backup.s3)))
            return _purge(context, config, kraken_config.env, cfg, mongo.get_database(), verifier)

        return purged_s3

    @dg.asset(**common, description=PURGE_DESCRIPTION.format(proof="backup pool size and md5, re-read"))
    def purged_pool(
        context: dg.AssetExecutionContext, config: LifecycleRunConfig, kraken_config: KrakenConfigResource,
        mongo: MongoResource,
    ) -> dg.MaterializeResult:
        cfg = kraken_config.get()
        return _purge(context, config, kraken_config.env, cfg, mongo.get_database(), PoolBackupVerifier(cfg))

    return purged_pool


def mover_run_key(raw_file_ids: list[str]) -> str:
    """The same set of due raw files asks for one run only (a refused file does not request a run every tick)."""
    return "move-" + hashlib.sha256("\n".join(sorted(raw_file_ids)).encode()).hexdigest()[:20]


class LifecycleDefinitions:
    """Assets, jobs, the mover sensor and the remover schedule, built from the configuration."""

    def __init__(self, config: KrakenConfig):
        self.config = config
        self.purged = build_purge_asset(config)
        self.move_job = dg.define_asset_job(
            "move_instrument_files", selection=[instrument_files_moved], tags=LIFECYCLE_TAGS,
            description="Moves backed-up raw files into their instrument's Backup/ folder (requested by a sensor).",
        )
        self.purge_job = dg.define_asset_job(
            "purge_instrument_files", selection=[self.purged], tags=LIFECYCLE_TAGS,
            description="Deletes the oldest verified raw files from instruments that are low on disk space.",
        )
        self.remover_schedule = dg.ScheduleDefinition(
            name="purge_instrument_files_schedule", job=self.purge_job, cron_schedule=config.lifecycle.remover_cron,
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description="Frees instrument disk space (lifecycle.remover_cron, every 12 h by default).",
        )
        self.mover_sensor = build_mover_sensor(config, self.move_job, mover_run_key)

    @property
    def assets(self) -> list:
        return [instrument_files_moved, self.purged]

    @property
    def jobs(self) -> list:
        return [self.move_job, self.purge_job]

    def definitions(self) -> dg.Definitions:
        """Nothing where the configuration has no `lifecycle` section: no file would ever move or be purged."""
        if not lifecycle_configured(self.config):
            return dg.Definitions()
        return dg.Definitions(assets=self.assets, jobs=self.jobs, sensors=[self.mover_sensor],
                              schedules=[self.remover_schedule])
