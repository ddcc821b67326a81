"""`requantify_raw_files`: an operator quantifies one raw file or a selection again with the current settings,
from the backup pool's copy (the instrument file may be moved or purged). Launch it from the Launchpad with run
config; each submission is an `alphadia_job` materialization of the raw file's partition, and the slurm_jobs
sensor follows the jobs as usual."""

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.quanting import submit_quanting_step
from kraken_core.pools import CLUSTER_SLOTS
from kraken_core.quanting.requantify import Selection, SelectionError, skip_reason
from kraken_core.record.requantify import find_selected, reset_for_requantification
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.job_engine import JobEngineResource


class RequantifyConfig(dg.Config):
    raw_file_ids: list[str] = []
    project_id: str | None = None
    instrument_id: str | None = None
    created_from: str | None = None   # YYYY-MM-DD (inclusive) or an ISO time
    created_to: str | None = None     # YYYY-MM-DD (that whole day included) or an ISO time (exclusive)
    statuses: list[str] = []          # e.g. ["done_not_quanted"]; empty: every re-quantifiable status
    max_files: int = 100
    dry_run: bool = False             # list what would be quantified, change nothing
    requested_by: str = "dagster"


@dg.op(
    pool=CLUSTER_SLOTS,
    description="Selects raw files, queues each for quantification again and submits its Slurm jobs with the "
                "settings that apply now; reads the backup pool's copy.",
)
def requantify(
    context: dg.OpExecutionContext, config: RequantifyConfig, kraken_config: KrakenConfigResource,
    mongo: MongoResource, slurm: JobEngineResource,
) -> dict:
    cfg = kraken_config.get()
    if not cfg.quanting.enabled:
        raise dg.Failure(description="quantification is not enabled (quanting.enabled)", allow_retries=False)
    try:
        selection = Selection.build(
            raw_file_ids=config.raw_file_ids, project_id=config.project_id, instrument_id=config.instrument_id,
            created_from=config.created_from, created_to=config.created_to, statuses=config.statuses,
            max_files=config.max_files)
    except SelectionError as err:
        raise dg.Failure(description=f"re-quantification: {err}", allow_retries=False) from None
    db = mongo.get_database()
    docs, missing = find_selected(db, selection)
    for note in missing:
        context.log.warning(f"not re-quantified: {note}")
    summary: dict[str, list[str]] = {"submitted": [], "not_quantified": [], "skipped": [], "failed": []}
    for doc in docs:
        reason = skip_reason(cfg, doc)
        if reason:
            summary["skipped"].append(f"{doc['_id']}: {reason}")
            context.log.warning(f"{doc['_id']}: not re-quantified: {reason}")
            continue
        if config.dry_run:
            summary["submitted"].append(doc["_id"])
            continue
        if reset_for_requantification(db, doc["_id"], config.requested_by) is None:
            summary["skipped"].append(f"{doc['_id']}: its status changed meanwhile")
            continue
        try:
            metadata = submit_quanting_step(cfg, db, slurm, doc["_id"], context.log, run_id=context.run_id)
        except Exception as err:  # recorded on the raw file (status error) by the submission step
            summary["failed"].append(f"{doc['_id']}: {err}")
            context.log.error(f"{doc['_id']}: re-quantification failed: {err}")
            continue
        if metadata is None:
            summary["not_quantified"].append(doc["_id"])
            continue
        summary["submitted"].append(doc["_id"])
        if context.instance.has_dynamic_partition(raw_files_partitions.name, doc["_id"]):
            context.log_event(dg.AssetMaterialization(
                asset_key="alphadia_job", partition=doc["_id"],
                metadata={**metadata, "requantified_by": dg.MetadataValue.text(config.requested_by)}))
    context.add_output_metadata({
        "dry_run": config.dry_run,
        **{key: dg.MetadataValue.json(values) for key, values in summary.items()},
        "not_selected": dg.MetadataValue.json(missing),
    })
    context.log.info(f"re-quantification: {len(summary['submitted'])} submitted{' (dry run)' if config.dry_run else ''}, "
                     f"{len(summary['skipped'])} skipped, {len(summary['not_quantified'])} not quantified, "
                     f"{len(summary['failed'])} failed")
    if summary["failed"]:
        raise dg.Failure(description=f"{len(summary['failed'])} raw file(s) could not be submitted: "
                                     f"{'; '.join(summary['failed'])[:2000]}", allow_retries=False)
    return summary


@dg.job(
    name="requantify_raw_files",
    description="Quantify one raw file or a selection (raw_file_ids, project_id, instrument_id, created_from/"
                "created_to, statuses such as done_not_quanted) again with the current settings, from the backup "
                "pool's copy. Run config under ops.requantify.config; dry_run lists the selection.",
    tags={"kraken/area": "quanting"},
)
def requantify_raw_files():
    requantify()
