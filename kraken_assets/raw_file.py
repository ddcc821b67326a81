"""`raw_file`: size and md5 of every instrument file of one raw file, recorded in `file_info`."""

from dataclasses import dataclass

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.progress import ProgressLog
from kraken_assets.record_steps import COPY_RETRY_POLICY, advance, load_raw_file, recorded_failure
from kraken_core.acquisition_check import ACQUISITION_COMPLETE, AcquisitionVerdict, acquisition_verdict
from kraken_core.pools import COPIES
from kraken_core.locations import check_location, require_location
from kraken_core.raw_file_backup import RawFileLocation, checksum_acquisition
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_core.statuses import RawFileStatus
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_ui_ext.metadata import file_info_table, markdown_table, raw_file_links, size_text

@dg.asset(
    partitions_def=raw_files_partitions,
    group_name="raw_files",
    kinds={"python", "mongodb"},
    owners=["team:lab-it"],
    pool=COPIES,  # it writes the staged backup copy, so it counts against the copy slots (and the drain)
    retry_policy=COPY_RETRY_POLICY,
    check_specs=[
        dg.AssetCheckSpec(
            ACQUISITION_COMPLETE,
            asset="raw_file",
            partitions_def=raw_files_partitions,
            description=(
                "The instrument finished the acquisition. Fails (severity ERROR) for a failed acquisition: an "
                "empty or missing main file, a file renamed _CORRUPTED, a file gone while being written. Such a "
                "raw file is still backed up as it is, but never quantified; the description names the file, its "
                "size and what to do at the instrument."
            ),
        )
    ],
    description=(
        "A raw file as the instrument wrote it (Thermo .raw, Bruker .d folder, Sciex .wiff set). "
        "Materializing it reads every file once, records size and md5 in the record's file_info, and in the "
        "same read stages the backup copy under a temporary name for raw_file_backup to verify."
    ),
)
def raw_file(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.MaterializeResult:
    done = checksum_step(kraken_config.get(), mongo.get_database(), context.partition_key, context.log,
                         run_id=context.run.run_id)
    if not done.acquisition.passed:
        context.log.error(done.acquisition.description)
    return dg.MaterializeResult(metadata=done.metadata, check_results=[done.check_result()])


@dataclass(frozen=True)
class ChecksumDone:
    """The metadata of a `raw_file` materialization and the verdict of its acquisition check."""

    metadata: dict
    acquisition: AcquisitionVerdict

    def check_result(self) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            check_name=ACQUISITION_COMPLETE,
            passed=self.acquisition.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=self.acquisition.description,
            # one alert per failed raw file, never a standing state
            metadata={"reason": self.acquisition.reason, "alert_kind": "event"},
        )


def checksum_step(config, db, raw_file_id: str, log, run_id: str | None = None) -> ChecksumDone:
    """Checksum one raw file and stage its backup copy; the metadata of its `raw_file` materialization and whether
    its acquisition finished. `run_id`: the Dagster run doing it, recorded for the raw file's timeline."""
    doc = load_raw_file(db, raw_file_id)
    raw = RawFileLocation.from_doc(doc)
    etag_part = config.backup.s3.chunk_size_mb * 1024 * 1024 if config.backup.backup_type == "s3" else None
    backup_health = check_location(config.locations.backup, "backup")
    if not backup_health.ok:
        log.warning(f"{backup_health.details}: checksumming {raw.raw_file_id} without staging its backup")
    with recorded_failure(db, doc, "checksum"):
        require_location(config.instrument_location(raw.instrument_id), raw.instrument_id)
        advance(db, doc, RawFileStatus.CHECKSUMMING)
        done = checksum_acquisition(config, raw, etag_part_size=etag_part, stage=backup_health.ok,
                                    progress=ProgressLog(log, raw.raw_file_id,
                                                         config.backup.progress_log_interval_s))
    file_info, total = done.file_info, done.size
    advance(db, doc, RawFileStatus.CHECKSUMMING_DONE, size=total, file_info=file_info,
            acquisition_signature=list(done.signature), file_inodes=done.inodes,
            **step_fields(Step.CHECKSUMMED, run_id))
    folder = config.instrument_folder(raw.instrument_id)
    log.info(f"{raw.raw_file_id}: {len(file_info)} files, {total} bytes checksummed in {folder}")
    acquisition = acquisition_verdict(doc, total, len(file_info))
    return ChecksumDone({
        "instrument": raw.instrument_id,
        "acquisition": "finished" if acquisition.passed else f"FAILED: {acquisition.reason}",
        "original_name": raw.original_name,
        "instrument_path": dg.MetadataValue.path(str(folder / raw.original_name)),
        "size": size_text(total),
        "size_bytes": dg.MetadataValue.int(total),
        "size_gb": dg.MetadataValue.float(round(total / 1e9, 4)),
        "file_count": dg.MetadataValue.int(len(file_info)),
        "acquired_at": dg.MetadataValue.timestamp(raw.created_at),
        "files": file_info_table(file_info),
        **raw_file_links(config, raw.raw_file_id),
        "summary": markdown_table(
            f"**{raw.raw_file_id}** on `{raw.instrument_id}`: {len(file_info)} file(s), {total / 1e9:.3f} GB",
            ["file", "bytes>", "md5"], ((rel, size, md5) for rel, (size, md5, *_) in sorted(file_info.items())),
        ),
    }, acquisition)
