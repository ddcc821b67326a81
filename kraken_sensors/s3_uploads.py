"""Request the S3 upload of every raw file whose backup was materialized, in its own run.

A separate run (not part of the backup job) keeps a failed or slow upload from ever holding up quantification.
The cursor is the storage id of the last backup materialization seen, so no backup is missed or requested twice.
How many uploads run at once is the `uploads` pool, set from `backup.s3.max_parallel_uploads` at start-up.
"""

import dagster as dg

from kraken_core.config import KrakenConfig

PAGE_SIZE = 200


def build_s3_upload_sensor(config: KrakenConfig, job, backup_asset: dg.AssetKey) -> dg.SensorDefinition:
    @dg.sensor(
        name="request_s3_uploads",
        job=job,
        minimum_interval_seconds=config.timings.watcher_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "After each raw_file_backup materialization, requests raw_file_s3 for that raw file in a run of its own "
            "(backup.backup_type: s3), so a failed upload never blocks quanting."
        ),
    )
    def request_s3_uploads(context: dg.SensorEvaluationContext):
        after = int(context.cursor) if context.cursor else None
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=backup_asset, after_storage_id=after), limit=PAGE_SIZE,
            ascending=True,
        ).records
        if not records:
            return dg.SkipReason("no new backups since the last tick")
        requests = [
            dg.RunRequest(run_key=f"{record.partition_key}:{record.storage_id}", partition_key=record.partition_key)
            for record in records
            if record.partition_key
        ]
        for request in requests:
            context.log.info(f"{request.partition_key}: backup materialized; requesting its S3 upload")
        return dg.SensorResult(run_requests=requests, cursor=str(records[-1].storage_id))

    return request_s3_uploads
