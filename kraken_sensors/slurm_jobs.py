"""The job sensor (named `slurm_jobs`, for either engine): follows every open job with one batched query per tick
(Slurm: one SSH connection; local engine: the job folders on the worker), records state changes, and requests
`alphadia_output` + `quality_metrics` for raw files whose jobs have all ended."""

from datetime import UTC, datetime

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.quanting.job_follower import apply_states, pending_job_ids, waiting_for_results
from kraken_core.record.quanting_jobs import open_quanting, record_results_requests, save_job_lists
from kraken_core.record.raw_files import update_raw_file
from kraken_core.statuses import RawFileStatus
from kraken_resources import KrakenConfigResource, MongoResource
from kraken_resources.job_engine import JobEngineResource

SENSOR_NAME = "slurm_jobs"
RESULTS_ATTEMPTS = 3
RESULTS_TAG = "quanting"
IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED]


def results_runs_in_flight(instance: dg.DagsterInstance, raw_file_ids: list[str]) -> set[str]:
    """Those of the raw files that have a results run queued or running (one query of the run storage)."""
    if not raw_file_ids:
        return set()
    runs = instance.get_runs(filters=dg.RunsFilter(tags={RESULTS_TAG: "results"}, statuses=IN_FLIGHT))
    wanted = set(raw_file_ids)
    return {key for run in runs if (key := run.tags.get("dagster/partition")) in wanted}


def build_slurm_job_sensor(config: KrakenConfig, job) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=config.quanting.job_sensor_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Follows the jobs of every raw file in status `quanting`: on Slurm with one batched scontrol query per "
            "tick (sacct -c for jobs the controller has forgotten), with the local engine from the job folders on the "
            "worker; requests the output and metrics assets when a raw file's jobs have ended."
        ),
    )
    def _follow(
        context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, mongo: MongoResource,
        slurm: JobEngineResource,
    ):
        cfg = kraken_config.get()
        if not cfg.quanting.enabled:
            return dg.SkipReason("quantification is not enabled (quanting.enabled)")
        db = mongo.get_database()
        docs = open_quanting(db)
        ids = pending_job_ids(docs)
        states, host = {}, None
        if ids:
            with slurm.session() as cluster:
                states = cluster.job_states(ids)
                host, round_trips = cluster.host, cluster.round_trips
            context.log.info(f"{len(ids)} open job(s) checked on {host} in {round_trips} round trip(s)")
        now = datetime.now(UTC)
        in_flight = results_runs_in_flight(context.instance, waiting_for_results(docs))
        result = apply_states(docs, states, now, retry_after_s=cfg.quanting.results_retry_after_s,
                              max_attempts=RESULTS_ATTEMPTS, in_flight=in_flight)
        save_job_lists(db, result.changed)
        record_results_requests(db, {raw_file_id: attempt for raw_file_id, _, attempt in result.finished}, now)
        for raw_file_id in result.given_up:
            details = (f"the results of its ended Slurm jobs could not be read in {RESULTS_ATTEMPTS} runs of "
                       f"quanting_results; see those runs, then re-materialize alphadia_output and quality_metrics")
            update_raw_file(db, raw_file_id, status=RawFileStatus.ERROR, status_details=details)
            context.log.error(f"{raw_file_id}: {details}")
        if not result.finished:
            return dg.SkipReason(f"{len(docs)} raw file(s) quantifying, {result.running} job(s) still running")
        for raw_file_id, _, attempt in result.finished:
            if attempt > 1:
                context.log.warning(f"{raw_file_id}: still quantifying after its results run; requesting it again "
                                    f"(attempt {attempt} of {RESULTS_ATTEMPTS})")
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=run_key, partition_key=raw_file_id, tags={RESULTS_TAG: "results"})
                          for raw_file_id, run_key, _ in result.finished],
        )

    return _follow
