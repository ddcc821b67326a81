"""`raw_file_backup`: the verified copy of a raw file in the backup pool, and the check that proves it.

The proof comes from the copy's own verifying read: each file is written out to the disk, dropped from the page
cache, read back and compared with the md5 recorded while it was read from the instrument (while it is staged,
behind the writer; or, for a copy not proven that way or changed since, just before the rename), and only then
renamed into place. A second re-read after the rename would prove nothing more, so the blocking check
`backup_identical` is reported from that read.
"""

import time
from dataclasses import dataclass

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.progress import ProgressLog, TransferSummary
from kraken_assets.raw_file import raw_file
from kraken_assets.record_steps import COPY_RETRY_POLICY, advance, load_raw_file, recorded_failure
from kraken_core.pools import COPIES
from kraken_core.locations import require_location
from kraken_core.numbers import human_size
from kraken_core.pipeline_status import status_after_backup
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_raw_file
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_core.statuses import BackupStatus, RawFileStatus
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_ui_ext.metadata import markdown_table, metadata_table, raw_file_links, size_text


BACKUP_IDENTICAL = "backup_identical"


@dg.asset(
    partitions_def=raw_files_partitions,
    deps=[raw_file],
    group_name="raw_files",
    kinds={"python", "mongodb"},
    owners=["team:lab-it"],
    pool=COPIES,
    retry_policy=COPY_RETRY_POLICY,
    check_specs=[
        dg.AssetCheckSpec(
            BACKUP_IDENTICAL,
            asset="raw_file_backup",
            blocking=True,
            partitions_def=raw_files_partitions,
            description=(
                "Every backup file was read back from disk (written out, page cache dropped) and its size and md5 "
                "matched the record before it got its final name; an existing copy was re-read the same way. Nothing "
                "downstream runs without it. A mismatch fails raw_file_backup with the file and the difference: do "
                "not delete the instrument file; fix the backup storage and re-materialize."
            ),
        )
    ],
    description=(
        "The raw file's copy in the backup pool at `<backup>/<instrument>/<YYYY_MM>/<raw_file_id>`, written to a "
        "temporary name, read back from disk and compared with the recorded md5, then renamed. An identical existing copy is "
        "skipped; a different one is never overwritten unless overwrite is set (the old copy is kept as .bkp)."
    ),
)
def raw_file_backup(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.MaterializeResult:
    done = backup_step(kraken_config.get(), mongo.get_database(), context.partition_key, context.log,
                       run_id=context.run.run_id)
    return dg.MaterializeResult(metadata=done.metadata, check_results=[done.check_result()])


@dataclass(frozen=True)
class BackupDone:
    """The metadata of a `raw_file_backup` materialization and the proof its own verifying read gives."""

    metadata: dict
    files_verified: int
    verified_bytes: int

    def check_result(self) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            check_name=BACKUP_IDENTICAL,
            passed=True,
            metadata={"files_verified": dg.MetadataValue.int(self.files_verified),
                      "bytes_verified": dg.MetadataValue.int(self.verified_bytes)},
        )


def backup_step(config, db, raw_file_id: str, log, run_id: str | None = None) -> BackupDone:
    """Copy one raw file to the backup pool, each file verified by reading it back from disk before its rename;
    `run_id`: the Dagster run doing it, recorded for the raw file's timeline."""
    doc = load_raw_file(db, raw_file_id)
    raw = RawFileLocation.from_doc(doc)
    file_info = doc.get("file_info") or {}
    if not file_info:
        raise dg.Failure(
            description=f"raw file {raw.raw_file_id} has no file_info in the record yet; materialize raw_file first",
            allow_retries=False,
        )
    base = backup_base_path(config, raw)
    instrument = config.instruments.get(raw.instrument_id)
    overwrite = bool(
        doc.get("overwrite_backup") or (instrument and instrument.overwrite_backup) or config.backup.overwrite
    )
    progress = ProgressLog(log, raw.raw_file_id, config.backup.progress_log_interval_s)
    copied = []
    with recorded_failure(db, doc, "backup", backup_status=BackupStatus.COPYING_FAILED):
        require_location(config.locations.backup, "backup")
        require_location(config.instrument_location(raw.instrument_id), raw.instrument_id)
        advance(db, doc, RawFileStatus.COPYING, backup_status=str(BackupStatus.COPYING_IN_PROGRESS),
                backup_base_path=str(base))
        started = time.monotonic()
        backup_raw_file(config, raw, file_info, overwrite=overwrite, progress=progress,
                        on_file=lambda rel, result: copied.append((rel, result)))
        seconds = time.monotonic() - started
    advance(db, doc, RawFileStatus.COPYING_DONE, backup_status=str(BackupStatus.COPYING_DONE),
            **step_fields(Step.BACKED_UP, run_id))
    next_status, details = status_after_backup(config, doc)
    advance(db, doc, next_status, details)

    done = TransferSummary([result for _, result in copied], seconds)
    kept = [str(result.kept_old_copy) for _, result in copied if result.kept_old_copy]
    log.info(
        f"{raw.raw_file_id}: backed up {done.files} files to {base} ({done.written / 1e9:.3f} GB written at "
        f"{done.mb_per_s:.0f} MB/s, {done.skipped} identical copies skipped)"
    )
    metadata = {
        "instrument": raw.instrument_id,
        "backup_path": dg.MetadataValue.path(str(base / f"{raw.collision_flag or ''}{raw.original_name}")),
        "backup_base_path": dg.MetadataValue.path(str(base)),
        "size": size_text(done.total),
        "size_bytes": dg.MetadataValue.int(done.total),
        "written_bytes": dg.MetadataValue.int(done.written),
        "files_copied": dg.MetadataValue.int(done.transferred),
        "files_skipped_identical": dg.MetadataValue.int(done.skipped),
        "copy_mb_per_s": dg.MetadataValue.float(round(done.mb_per_s, 1)),
        "copy_seconds": dg.MetadataValue.float(round(seconds, 3)),
        "old_copies_kept": dg.MetadataValue.json(kept),
        "status_after_backup": str(next_status),
        "files": metadata_table(
            ({"file": rel, "size": human_size(result.size), "bytes": result.size,
              "result": "skipped (identical)" if result.skipped else "copied"} for rel, result in copied),
            [("file", "string"), ("size", "string"), ("bytes", "int"), ("result", "string")],
        ),
        **raw_file_links(config, raw.raw_file_id),
        "summary": markdown_table(
            f"**{raw.raw_file_id}** backed up to `{base}`: {done.total / 1e9:.3f} GB, {done.mb_per_s:.0f} MB/s, every "
            f"file read back from disk and matched to its md5 before its rename.",
            ["file", "bytes>", "result"],
            ((rel, r.size, "skipped (identical)" if r.skipped else "copied, verified") for rel, r in copied),
        ),
    }
    return BackupDone(metadata, files_verified=len(copied), verified_bytes=done.total)
