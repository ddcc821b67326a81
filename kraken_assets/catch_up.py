"""`raw_file_catch_up`: a batch of finished raw files in one run, each still recorded as its own partition.

After an outage the watchers find hundreds of finished files at once. One `raw_file_pipeline` run per file would
pay a process start-up and a code-location load per file (seconds each); this job pays it once per batch. It runs
the same step functions as the pipeline's assets, one raw file after another, and logs for every file the
materializations of `raw_file`, `raw_file_backup` and `alphadia_job` and the `backup_identical` check result
(from the backup step's own verifying read, as the asset reports it) with the file's partition, so each raw
file's page in Dagster reads as if it had had its own run. Dagster's single-run backfills were considered: they
record one aggregate materialization for all partitions of the run, which would lose the per-file metadata and
the per-file failure isolation this job keeps (docs/scale.md).

A failing raw file does not stop the batch: its error is in its record (as in a pipeline run), the other files
go on, and the run fails at the end naming every file that failed and why.
"""


from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg

from kraken_assets.batch_log import BatchLog, BatchProgress
from kraken_assets.quanting import alphadia_job, submit_quanting_step
from kraken_assets.raw_file import checksum_step, raw_file
from kraken_assets.raw_file_backup import backup_step, raw_file_backup
from kraken_core.pools import CLUSTER_SLOTS, COPIES
from kraken_core.record.raw_files import claim_for_catch_up, get_raw_file
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.job_engine import JobEngineResource

CATCH_UP_JOB_NAME = "raw_file_catch_up"
BACKUP_OP_NAME = "back_up_raw_files"
ROOT_RUN_ID_TAG = "dagster/root_run_id"  # set by Dagster on a re-execution: the first attempt's run id


class CatchUpBatch(dg.Config):
    raw_file_ids: list[str]


@dataclass(frozen=True)
class BatchOutcome:
    """What the backup step hands to the quanting step: the files to quantify and those that already failed."""

    backed_up: list[str]
    failed: dict[str, str]


def _materialization(asset: dg.AssetsDefinition, raw_file_id: str, metadata: dict) -> dg.AssetMaterialization:
    return dg.AssetMaterialization(asset_key=asset.key, partition=raw_file_id, metadata=metadata)


def _log_check(context: dg.OpExecutionContext, asset_key: dg.AssetKey, check: dg.AssetCheckResult,
               raw_file_id: str, blocking: bool) -> None:
    """A check result of one raw file of the batch, logged with the file's partition as its asset would."""
    context.log_event(dg.AssetCheckEvaluation(
        asset_key=asset_key, check_name=check.check_name, passed=check.passed, metadata=check.metadata,
        partition=raw_file_id, blocking=blocking, severity=check.severity, description=check.description,
    ))


def skip_reason(db, raw_file_id: str) -> str:
    doc = get_raw_file(db, raw_file_id)
    if doc is None:
        return f"{raw_file_id}: skipped, it is not in the record (the record was reset?); nothing was done"
    taken_by = doc.get("catch_up_run_id")
    by = f"catch-up run {taken_by}" if taken_by else "a raw_file_pipeline run"
    return (f"{raw_file_id}: skipped, already taken by {by} (status {doc.get('status')}, backup "
            f"{doc.get('backup_status') or 'not started'}); if that run ended without backing it up, "
            f"materialize its partition of raw_file_pipeline")


def _failure_reason(err: Exception) -> str:
    return err.description if isinstance(err, dg.Failure) and err.description else f"{type(err).__name__}: {err}"


@dg.op(
    name=BACKUP_OP_NAME,
    pool=COPIES,
    out=dg.Out(BatchOutcome),
    description=(
        "Checksums, backs up and verifies each raw file of the batch, newest first, as raw_file, raw_file_backup "
        "and backup_identical would; a file another run has already taken is skipped."
    ),
)
def back_up_raw_files(
    context: dg.OpExecutionContext, config: CatchUpBatch, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> Iterator[dg.AssetMaterialization | dg.Output]:
    cfg = kraken_config.get()
    db = mongo.get_database()
    root_run_id = context.run.tags.get(ROOT_RUN_ID_TAG) or context.run_id  # a re-execution resumes its batch
    log = BatchLog(context.log)
    progress = BatchProgress(context.log, len(config.raw_file_ids), cfg.backup.progress_log_interval_s)
    backed_up: list[str] = []
    failed: dict[str, str] = {}
    for position, raw_file_id in enumerate(config.raw_file_ids, start=1):
        progress(position - 1, len(failed))
        if not claim_for_catch_up(db, raw_file_id, root_run_id):
            context.log.info(skip_reason(db, raw_file_id))
            continue
        log.info(f"{raw_file_id}: file {position} of {len(config.raw_file_ids)} in this catch-up batch")
        try:
            checksummed = checksum_step(cfg, db, raw_file_id, log, run_id=context.run_id)
            yield _materialization(raw_file, raw_file_id, checksummed.metadata)
            _log_check(context, raw_file.key, checksummed.check_result(), raw_file_id, blocking=False)
            done = backup_step(cfg, db, raw_file_id, log, run_id=context.run_id)
        except Exception as err:  # one raw file's failure must not stop the others; its record says why
            failed[raw_file_id] = _failure_reason(err)
            context.log.error(f"{raw_file_id}: {failed[raw_file_id]}")
            continue
        yield _materialization(raw_file_backup, raw_file_id, done.metadata)
        _log_check(context, raw_file_backup.key, done.check_result(), raw_file_id, blocking=True)
        backed_up.append(raw_file_id)
    context.log.info(f"catch-up batch: {len(backed_up)} backed up, {len(failed)} failed, "
                     f"{len(config.raw_file_ids) - len(backed_up) - len(failed)} skipped")
    yield dg.Output(BatchOutcome(backed_up=backed_up, failed=failed))


@dg.op(
    pool=CLUSTER_SLOTS,
    out={},
    description="Submits the quantification of every backed-up raw file of the batch, as alphadia_job would.",
)
def submit_quanting_jobs(
    context: dg.OpExecutionContext, outcome: BatchOutcome, kraken_config: KrakenConfigResource, mongo: MongoResource,
    slurm: JobEngineResource,
) -> Iterator[dg.AssetMaterialization]:
    cfg = kraken_config.get()
    db = mongo.get_database()
    failed = dict(outcome.failed)
    log = BatchLog(context.log)
    progress = BatchProgress(context.log, len(outcome.backed_up), cfg.backup.progress_log_interval_s)
    for position, raw_file_id in enumerate(outcome.backed_up):
        progress(position, len(failed) - len(outcome.failed))
        try:
            metadata = submit_quanting_step(cfg, db, slurm, raw_file_id, log, run_id=context.run_id)
        except Exception as err:
            failed[raw_file_id] = _failure_reason(err)
            context.log.error(f"{raw_file_id}: {failed[raw_file_id]}")
            continue
        if metadata is not None:
            yield _materialization(alphadia_job, raw_file_id, metadata)
    if failed:
        listed = "; ".join(f"{raw_file_id}: {reason}" for raw_file_id, reason in sorted(failed.items()))
        raise dg.Failure(
            description=(
                f"{len(failed)} raw file(s) of this catch-up batch failed (the other files went on): {listed}. "
                f"Each failure is in the file's record; fix the cause and materialize its partition of "
                f"raw_file_pipeline again"
            ),
            metadata={"failed_raw_files": dg.MetadataValue.json(failed)},
        )


@dg.job(
    name=CATCH_UP_JOB_NAME,
    executor_def=dg.in_process_executor,
    description=(
        "Backs up and submits a batch of finished raw files in one run (requested by the instrument watchers when "
        "a tick finds more than catch_up.batch_threshold finished files). Each raw file is recorded as its own "
        "partition of raw_file, raw_file_backup, backup_identical and alphadia_job."
    ),
)
def raw_file_catch_up():
    submit_quanting_jobs(back_up_raw_files())


def catch_up_run_config(raw_file_ids: list[str]) -> dict:
    return {"ops": {BACKUP_OP_NAME: {"config": {"raw_file_ids": raw_file_ids}}}}
