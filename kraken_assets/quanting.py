"""Quantification assets: `alphadia_job` submits to the job engine (Slurm, or the worker itself with
`quanting.engine: local`) and returns at once; the job sensor requests `alphadia_output` and `quality_metrics` when
the jobs of a raw file have ended."""

from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_assets.record_steps import advance, load_raw_file, recorded_failure
from kraken_core.config import KrakenConfig
from kraken_core.numbers import finite_number
from kraken_core.quanting.job_request import build_job_request
from kraken_core.quanting.metrics.plugin import RECORD_FIELDS
from kraken_core.quanting.metrics.registry import plugin_for
from kraken_core.quanting.outcome import Outcome, classify, raw_file_status
from kraken_core.quanting.output_folder import base_output_folder, choose_output_folder
from kraken_core.quanting.processing_gate import no_settings, refusal
from kraken_core.quanting.settings_lookup import settings_for_raw_file
from kraken_core.quanting.software import job_entry, metrics_type, output_folder_name, software_type
from kraken_core.record.quanting_jobs import last_job_end, set_quanting_jobs, write_job_metrics
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_core.statuses import RawFileStatus
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.job_engine import JobEngineResource
from kraken_sensors.slurm_jobs import build_slurm_job_sensor
from kraken_ui_ext.key_metrics import TREND_METRICS
from kraken_ui_ext.metadata import key_metric_values, markdown_table

NOT_QUANTED = {str(RawFileStatus.DONE_NOT_QUANTED), str(RawFileStatus.ACQUISITION_FAILED), str(RawFileStatus.IGNORED)}


@dg.asset(
    partitions_def=raw_files_partitions,
    deps=[raw_file_backup],
    group_name="quanting",
    kinds={"slurm", "mongodb"},  # the engine's kind is set from quanting.engine in build_quanting_definitions
    owners=["team:lab-it"],
    pool="cluster_slots",
    output_required=False,
    description=(
        "The job(s) quantifying the raw file with every settings version that applies to it (AlphaDIA or a custom "
        "tool), on the engine of quanting.engine: Slurm over SSH, or processes on the worker (local). Submits and "
        "returns at once; the slurm_jobs sensor follows the jobs of either engine. Not materialized for files that "
        "are not quantified (see the raw file's status_details)."
    ),
)
def alphadia_job(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource, slurm: JobEngineResource
):
    metadata = submit_quanting_step(kraken_config.get(), mongo.get_database(), slurm, context.partition_key,
                                    context.log, run_id=context.run.run_id)
    if metadata is not None:
        yield dg.MaterializeResult(metadata=metadata)


def submit_quanting_step(config, db, slurm: JobEngineResource, raw_file_id: str, log,
                         run_id: str | None = None) -> dict | None:
    """Submit the jobs of one raw file (to Slurm or as local processes, as `slurm` is configured); the metadata of its `alphadia_job` materialization, or None when the
    raw file is not quantified (the reason is in its status_details). `run_id`: the Dagster run submitting, recorded
    for the raw file's timeline."""
    doc = load_raw_file(db, raw_file_id)
    if doc.get("status") in NOT_QUANTED:
        log.info(f"{doc['_id']}: not quantified ({doc.get('status')}: {doc.get('status_details')})")
        return None
    refused = refusal(config, doc)
    settings = [] if refused else settings_for_raw_file(db, config, doc)
    if refused or not settings:
        status, reason = refused or no_settings(doc)
        advance(db, doc, status, reason)
        log.info(f"{doc['_id']}: {reason}")
        return None
    now = datetime.now(UTC)
    jobs, requests = [], []
    with recorded_failure(db, doc, "quanting submission"):
        for item in settings:
            base = base_output_folder(config.locations.output.path, doc.get("project_id") or "_FALLBACK", doc["_id"],
                                      output_folder_name(item, settings))
            chosen = choose_output_folder(base, config.quanting.output_folder_mode)
            if chosen.associate:
                jobs.append(job_entry(item, chosen.path, job_id=None, state="COMPLETED", exit_code=0,
                                       associated=True, ended_at=now))
            else:
                requests.append(build_job_request(config, doc, item, chosen.path, now))
        if requests:
            with slurm.session() as cluster:
                submitted = []
                try:
                    for request in requests:
                        job_id = cluster.submit(request)
                        submitted.append(job_id)
                        jobs.append(job_entry(
                            request.settings, request.output_worker, job_id=job_id, state="PENDING",
                            host=cluster.host, output_path_cluster=str(request.output_cluster),
                            log_path=str(request.log_dir_worker / f"{request.job_name}-{job_id}.out"), submitted_at=now,
                        ))
                        log.info(f"{doc['_id']}: submitted job {job_id} ({request.settings_label}) "
                                         f"on {cluster.host}, output {request.output_cluster}")
                except Exception:
                    for job_id in submitted:  # no half-submitted raw file: its jobs go or stay together
                        with suppress(Exception):
                            cluster.cancel(job_id)
                    raise
        set_quanting_jobs(db, doc["_id"], jobs, results_request=None, **step_fields(Step.QUANTING_SUBMITTED, run_id))
    advance(db, doc, RawFileStatus.QUANTING)
    rows = "\n".join(f"| {j['settings_name']} v{j['settings_version']} | {j.get('job_id') or 'associated'} | "
                     f"`{j['output_path']}` |" for j in jobs)
    return {
        "engine": dg.MetadataValue.text(config.quanting.engine),
        "job_ids": dg.MetadataValue.json([j.get("job_id") for j in jobs]),
        "job_id": dg.MetadataValue.text(", ".join(str(j.get("job_id") or "associated") for j in jobs)),
        "output_path": dg.MetadataValue.path(jobs[0]["output_path"]),
        "settings": dg.MetadataValue.json([f"{j['settings_name']} v{j['settings_version']}" for j in jobs]),
        "host": dg.MetadataValue.text(next((j["host"] for j in jobs if j.get("host")), "-")),
        "summary": dg.MetadataValue.md(f"**{doc['_id']}** quantification\n\n| settings | job | output |\n"
                                       f"|---|---|---|\n{rows}"),
    }


def _parsed_metrics(job: dict) -> dict:
    """The metrics of a job's output, read by the plugin of its metrics_type (AlphaDIA, MSQC, DIA-NN, ...)."""
    return plugin_for(metrics_type(job)).read(Path(job["output_path"]))


def _job_log(job: dict) -> str:
    path = Path(job["log_path"]) if job.get("log_path") else None
    return path.read_text(errors="replace")[-200_000:] if path and path.exists() else ""


@dg.asset(
    partitions_def=raw_files_partitions,
    deps=[alphadia_job],
    group_name="quanting",
    kinds={"python", "mongodb"},
    owners=["team:lab-it"],
    description=(
        "The output folder(s) of the raw file's ended Slurm jobs, each classified: results present (done), a known "
        "failure (AlphaDIA error code, out of memory, time limit, no identifications: quanting_failed) or an "
        "unexplained one (error). Fails when no job produced results."
    ),
)
def alphadia_output(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.MaterializeResult:
    db = mongo.get_database()
    doc = load_raw_file(db, context.partition_key)
    jobs = [dict(j) for j in doc.get("quanting_jobs") or []]
    if not jobs or any(j.get("ended_at") is None for j in jobs):
        raise dg.Failure(description=f"{doc['_id']}: its Slurm jobs have not all ended yet; the slurm_jobs sensor "
                                     f"requests this asset when they have")
    outcomes: list[Outcome] = []
    with recorded_failure(db, doc, "reading the quantification output"):
        for job in jobs:
            outcome = classify(state=job.get("state", "UNKNOWN"), exit_code=job.get("exit_code"),
                               output=Path(job["output_path"]), job_log=_job_log(job),
                               software_type=software_type(job), metrics_type=metrics_type(job),
                               job_id=job.get("job_id"))
            job.update(outcome=str(outcome.status), outcome_reason=outcome.reason, outcome_code=outcome.code)
            outcomes.append(outcome)
        set_quanting_jobs(db, doc["_id"], jobs, **step_fields(Step.QUANTING_FINISHED, context.run.run_id,
                                                               at=last_job_end(jobs)))
    rows = "\n".join(f"| {j['settings_name']} v{j['settings_version']} | {j.get('job_id')} | {j.get('state')} | "
                     f"{j['outcome']} | {j['outcome_reason']} |" for j in jobs)
    metadata = {
        "output_path": dg.MetadataValue.path(jobs[0]["output_path"]),
        "outcomes": dg.MetadataValue.json({f"{j['settings_name']} v{j['settings_version']}": j["outcome"] for j in jobs}),
        "summary": dg.MetadataValue.md(f"| settings | job | Slurm state | outcome | reason |\n|---|---|---|---|---|\n{rows}"),
    }
    if not any(o.succeeded for o in outcomes):
        write_job_metrics(db, doc["_id"], jobs, _parsed_metrics)  # the time the failed jobs took, as AlphaKraken
        status, details = raw_file_status(outcomes, [j["settings_name"] for j in jobs])
        advance(db, doc, status, details)
        raise dg.Failure(description=f"{doc['_id']}: {details}", metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    partitions_def=raw_files_partitions,
    deps=[alphadia_output],
    group_name="quanting",
    kinds={"python", "mongodb"},
    owners=["team:scientists"],
    description=(
        "Quality metrics of the raw file, one `metrics` document per settings version, read by the metrics plugin "
        "of its metrics_type (AlphaDIA: proteins, precursors, FWHM, mass errors, ...; MSQC: injection times, TICs, "
        "Evosep pump pressure; DIA-NN; Skyline iRT; custom tools); key metrics are numeric metadata."
    ),
)
def quality_metrics(
    context: dg.AssetExecutionContext, kraken_config: KrakenConfigResource, mongo: MongoResource
) -> dg.MaterializeResult:
    db = mongo.get_database()
    doc = load_raw_file(db, context.partition_key)
    jobs = doc.get("quanting_jobs") or []
    outcomes = [Outcome(RawFileStatus(j["outcome"]), j["outcome_reason"], j.get("outcome_code")) for j in jobs]
    with recorded_failure(db, doc, "computing quality metrics"):
        written = write_job_metrics(db, doc["_id"], jobs, _parsed_metrics)
    status, details = raw_file_status(outcomes, [j["settings_name"] for j in jobs])
    advance(db, doc, status, details, **step_fields(Step.METRICS_WRITTEN, context.run.run_id))
    metadata: dict = {"metrics_documents": dg.MetadataValue.int(len(written)), "raw_file_status": str(status),
                      "summary": _metrics_summary(doc["_id"], written)}
    for metrics in written:
        prefix = "" if len(written) == 1 else f"{metrics['settings_name']}/"
        values = key_metric_values({**metrics}, TREND_METRICS)
        if isinstance(metrics.get("time_elapsed"), int | float):
            values["time_elapsed"] = dg.MetadataValue.float(float(metrics["time_elapsed"]))
        values["metrics_type"] = dg.MetadataValue.text(metrics["type"])
        metadata.update({f"{prefix}{key}": value for key, value in values.items()})
    context.log.info(f"{doc['_id']}: {len(written)} metrics document(s); status {status}")
    return dg.MaterializeResult(metadata=metadata)


def _metrics_summary(raw_file_id: str, written: list[dict]) -> dg.MetadataValue:
    """One row per metrics document: which settings, which tool's metrics, how many numbers it holds."""
    rows = [(f"{m['settings_name']} v{m['settings_version']}", m["type"],
             sum(1 for k, v in m.items() if k not in RECORD_FIELDS and finite_number(v) is not None))
            for m in written]
    return markdown_table(f"**{raw_file_id}** quality metrics", ["settings", "metrics type", "metrics>"], rows)


quanting_results = dg.define_asset_job(
    name="quanting_results",
    selection=dg.AssetSelection.assets(alphadia_output, quality_metrics),
    partitions_def=raw_files_partitions,
    executor_def=dg.in_process_executor,
    description="Reads the output of a raw file's ended Slurm jobs into metrics; requested by the slurm_jobs sensor.",
)


def with_engine_kind(asset: dg.AssetsDefinition, engine: str) -> dg.AssetsDefinition:
    """The submission asset labelled with the engine its jobs run on (`slurm` or `local`), as the UI shows kinds."""
    return asset.map_asset_specs(lambda spec: spec.replace_attributes(kinds={engine, "mongodb"}))


def build_quanting_definitions(config: KrakenConfig) -> dg.Definitions:
    """The submission asset runs in raw_file_pipeline (raw_files area); this area reads the results."""
    from kraken_assets.requantify import requantify_raw_files
    from kraken_sensors.requantify_requests import build_requantify_request_sensor

    return dg.Definitions(
        assets=[with_engine_kind(alphadia_job, config.quanting.engine), alphadia_output, quality_metrics],
        jobs=[quanting_results, requantify_raw_files],
        sensors=[build_slurm_job_sensor(config, quanting_results), build_requantify_request_sensor(requantify_raw_files)],
    )
