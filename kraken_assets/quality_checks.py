"""`quality_metrics_in_bounds`: a warning when a raw file's quality metrics leave the bounds configured for its
instrument (`instruments.<id>.monitoring.quality_bounds`), e.g. fewer proteins than the instrument's floor."""

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_core.monitoring.quality_bounds import bounds_for, metrics_outside_bounds
from kraken_core.record.quanting_jobs import metrics_of
from kraken_core.record.raw_files import get_raw_file
from kraken_resources import KrakenConfigResource, MongoResource

QUALITY_METRICS = dg.AssetKey("quality_metrics")


@dg.asset_check(
    asset=QUALITY_METRICS,
    name="quality_metrics_in_bounds",
    partitions_def=raw_files_partitions,
    blocking=False,
    description=(
        "Every metrics document of the raw file is inside the bounds configured for its instrument. A warning: "
        "look at the sample and the instrument (column, spray, calibration) before the next acquisitions."
    ),
)
def quality_metrics_in_bounds(
    context: dg.AssetCheckExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.AssetCheckResult:
    raw_file_id = context.op_execution_context.partition_key
    db = mongo.get_database()
    doc = get_raw_file(db, raw_file_id) or {}
    instrument_id = doc.get("instrument_id", "")
    bounds = bounds_for(kraken_config.get(), instrument_id)
    documents = metrics_of(db, raw_file_id)
    problems = []
    for metrics in documents:
        prefix = f"{metrics.get('settings_name')} v{metrics.get('settings_version')}: " if len(documents) > 1 else ""
        problems += [prefix + problem for problem in metrics_outside_bounds(metrics, bounds)]
    if not bounds:
        description = f"{raw_file_id}: no quality bounds configured for instrument {instrument_id or '(unknown)'}"
    elif not documents:
        description = f"{raw_file_id}: no metrics in the record to compare with the bounds"
    elif problems:
        description = f"{raw_file_id} ({instrument_id}): " + "; ".join(problems)
    else:
        description = f"{raw_file_id} ({instrument_id}): every bounded metric is inside its bounds"
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={"subject": raw_file_id, "instrument": instrument_id, "problems": problems},
    )
