"""`qc_series_in_control`: the raw file's quality metrics judged in its QC series (Westgard rules and CUSUM
against the series' baseline, `qc` in the configuration), whenever `quality_metrics` is materialized.
Only in the Definitions when a series is configured."""

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_core.config import KrakenConfig
from kraken_core.qc.judgement import ERROR
from kraken_core.qc.raw_file_verdict import QC_CHECK, judge_raw_file
from kraken_core.record.quanting_jobs import metrics_of
from kraken_core.record.raw_files import get_raw_file
from kraken_resources import KrakenConfigResource, MongoResource

QUALITY_METRICS = dg.AssetKey("quality_metrics")


def raw_file_page(config: KrakenConfig, raw_file_id: str) -> str | None:
    return f"{config.companion_base_url.rstrip('/')}/raw_files/{raw_file_id}" if config.companion_base_url else None


@dg.asset_check(
    asset=QUALITY_METRICS,
    name=QC_CHECK,
    partitions_def=raw_files_partitions,
    blocking=False,
    description=(
        "The raw file's metrics are in control in its QC series: Westgard rules (1-3s, R-4s: error; 2-2s, 4-1s, "
        "10-x: warning) and CUSUM drift (warning) against the series' baseline. See docs/qc.md for what to do."
    ),
)
def qc_series_in_control(
    context: dg.AssetCheckExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.AssetCheckResult:
    raw_file_id = context.op_execution_context.partition_key
    config = kraken_config.get()
    db = mongo.get_database()
    raw_file = get_raw_file(db, raw_file_id) or {"_id": raw_file_id}
    verdict = judge_raw_file(db, config.qc, raw_file, metrics_of(db, raw_file_id))
    return dg.AssetCheckResult(
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.ERROR if verdict.severity == ERROR else dg.AssetCheckSeverity.WARN,
        description=verdict.describe(raw_file_page(config, raw_file_id)),
        metadata=verdict.metadata(),
    )


def qc_checks(config: KrakenConfig) -> list[dg.AssetChecksDefinition]:
    return [qc_series_in_control] if config.qc.enabled else []
