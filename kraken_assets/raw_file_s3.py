"""`raw_file_s3`: the raw file's objects in S3, uploaded from the verified backup and checked by ETag.

It runs in its own job (`raw_file_s3_upload`, requested by the `request_s3_uploads` sensor after each backup),
and no quantification asset depends on it: a failed upload is recorded (`backup_status: upload_failed`,
`s3_upload_error`) and alerts like any failed run, but never holds up quanting. Re-materializing retries.
"""

import time

import dagster as dg
from dagster_aws.s3 import S3Resource

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.progress import ProgressLog, TransferSummary
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_assets.record_steps import load_raw_file
from kraken_core.pools import UPLOADS
from kraken_core.config import KrakenConfig
from kraken_core.config.capabilities import s3_configured
from kraken_core.raw_file_backup import RawFileLocation
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_core.record.raw_files import update_raw_file
from kraken_core.s3_layout import s3_url
from kraken_core.s3_upload import s3_location, upload_raw_file
from kraken_core.statuses import BackupStatus
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.s3 import object_store
from kraken_ui_ext.metadata import markdown_table, size_text
from kraken_sensors.s3_uploads import build_s3_upload_sensor


@dg.asset(
    partitions_def=raw_files_partitions,
    deps=[raw_file_backup],
    group_name="raw_files",
    kinds={"s3", "python", "mongodb"},
    owners=["team:lab-it"],
    pool=UPLOADS,
    description=(
        "The raw file in S3-compatible object storage at `s3://<bucket_prefix>-<project>/<instrument>/<file>` "
        "(when backup.backup_type is s3). Each file is uploaded in parts of backup.s3.chunk_size_mb from the "
        "verified backup copy, then its size and multipart ETag are compared with the ones computed in the "
        "checksum pass. An identical object is skipped; a different one is never overwritten."
    ),
)
def raw_file_s3(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource, s3: S3Resource
) -> dg.MaterializeResult:
    config = kraken_config.get()
    db = mongo.get_database()
    doc = load_raw_file(db, context.partition_key)
    raw = RawFileLocation.from_doc(doc)
    if config.backup.backup_type != "s3":
        raise dg.Failure(
            description=f"raw file {raw.raw_file_id}: backup.backup_type is {config.backup.backup_type!r} in this "
            f"environment, so nothing is uploaded to S3; set it to s3 (and backup.s3) to enable uploads"
        )
    s3_config = config.backup.s3
    project_id = doc.get("project_id") or ""
    update_raw_file(db, raw.raw_file_id, backup_status=BackupStatus.UPLOAD_IN_PROGRESS)
    progress = ProgressLog(context.log, f"{raw.raw_file_id} to S3", config.backup.progress_log_interval_s)
    started = time.monotonic()
    try:
        bucket, main_key = s3_location(config, raw, project_id)
        results = upload_raw_file(config, object_store(s3, s3_config), raw, project_id, doc.get("file_info") or {},
                                  progress=progress, on_note=context.log.info)
    except Exception as err:
        reason = f"S3 upload of raw file {raw.raw_file_id} (instrument {raw.instrument_id}) failed: {err}"
        update_raw_file(db, raw.raw_file_id, backup_status=BackupStatus.UPLOAD_FAILED, s3_upload_error=reason)
        raise dg.Failure(description=reason, metadata={"raw_file_id": raw.raw_file_id, "step": "s3_upload"}) from err
    seconds = time.monotonic() - started
    upload_path = s3_url(bucket, main_key)
    update_raw_file(db, raw.raw_file_id, backup_status=BackupStatus.UPLOAD_DONE, s3_upload_path=upload_path,
                    s3_upload_error=None, **step_fields(Step.UPLOADED_TO_S3, context.run.run_id))

    done = TransferSummary(results, seconds)
    context.log.info(
        f"{raw.raw_file_id}: {done.files} files in {upload_path} ({done.written / 1e9:.3f} GB uploaded at "
        f"{done.mb_per_s:.0f} MB/s, {done.skipped} identical objects skipped)"
    )
    return dg.MaterializeResult(
        metadata={
            "instrument": raw.instrument_id,
            "s3_upload_path": upload_path,
            "bucket": bucket,
            "endpoint": s3_config.endpoint_url or "AWS S3",
            "size": size_text(done.total),
            "size_bytes": dg.MetadataValue.int(done.total),
            "uploaded_bytes": dg.MetadataValue.int(done.written),
            "objects_uploaded": dg.MetadataValue.int(done.transferred),
            "objects_skipped_identical": dg.MetadataValue.int(done.skipped),
            "upload_mb_per_s": dg.MetadataValue.float(round(done.mb_per_s, 1)),
            "upload_seconds": dg.MetadataValue.float(round(seconds, 3)),
            "chunk_size_mb": dg.MetadataValue.int(s3_config.chunk_size_mb),
            "summary": markdown_table(
                f"**{raw.raw_file_id}** in `{upload_path}`: {done.total / 1e9:.3f} GB, {done.mb_per_s:.0f} MB/s; "
                f"every object's size and ETag matched the checksum pass.",
                ["key", "bytes>", "ETag", "result"],
                ((r.key, r.size, r.etag, "skipped (identical)" if r.skipped else "uploaded, verified") for r in results),
            ),
        }
    )


raw_file_s3_upload = dg.define_asset_job(
    name="raw_file_s3_upload",
    selection=dg.AssetSelection.assets(raw_file_s3),
    executor_def=dg.in_process_executor,
    description="Uploads one backed-up raw file to S3, verified by ETag; requested by request_s3_uploads.",
)


def build_s3_definitions(config: KrakenConfig) -> dg.Definitions:
    """Nothing without S3 configured; the asset and its job with a `backup.s3` block (an operator can upload by
    hand); the sensor too where `backup_type: s3`."""
    if not s3_configured(config):
        return dg.Definitions()
    sensors = [build_s3_upload_sensor(config, raw_file_s3_upload, raw_file_backup.key)] \
        if config.backup.backup_type == "s3" else []
    return dg.Definitions(assets=[raw_file_s3], jobs=[raw_file_s3_upload], sensors=sensors)
