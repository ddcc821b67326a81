"""One watcher sensor per configured instrument, built from the YAML configuration."""

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.monitoring.location_health import measured_health, write_location_heartbeat
from kraken_core.watcher import FinishedAcquisition, InstrumentWatcher, WatcherState
from kraken_resources import KrakenConfigResource, MongoResource


@dataclass(frozen=True)
class RawFileRuns:
    """What the watchers request: a pipeline run per raw file, or catch-up runs of a batch (with their run config)
    for a backlog, and the `raw_files` partitions of the files they found finished."""

    pipeline_job: object  # a job definition or an unresolved asset job
    catch_up_job: dg.JobDefinition
    catch_up_run_config: Callable[[list[str]], dict]
    partitions: dg.DynamicPartitionsDefinition


def watcher_sensor_name(instrument_id: str) -> str:
    return f"watch_{instrument_id}"


def catch_up_run_key(items: list[FinishedAcquisition]) -> str:
    """The same batch asked for twice gets one run; a different batch with some of the same files (or a file
    finished again after it changed) gets another, and the catch-up job skips the files already taken."""
    return "catch-up:" + hashlib.sha256("\n".join(item.run_key for item in items).encode()).hexdigest()[:32]


def run_requests_for(config: KrakenConfig, instrument_id: str, finished: list[FinishedAcquisition],
                     runs: RawFileRuns) -> list[dg.RunRequest]:
    """One pipeline run per raw file, or catch-up runs of a batch of files each when a tick finds a backlog."""
    if len(finished) <= config.catch_up.batch_threshold:
        return [
            dg.RunRequest(run_key=item.run_key, partition_key=item.raw_file_id, job_name=runs.pipeline_job.name,
                          tags={"instrument": instrument_id})
            for item in finished
        ]
    # at least as many batches as copies may run at once, so a backlog on one instrument uses every copy slot
    size = max(1, min(config.catch_up.batch_size, math.ceil(len(finished) / config.backup.max_parallel_copies)))
    batches = [finished[start : start + size] for start in range(0, len(finished), size)]
    return [
        dg.RunRequest(
            run_key=catch_up_run_key(batch), job_name=runs.catch_up_job.name,
            run_config=runs.catch_up_run_config([item.raw_file_id for item in batch]),
            tags={"instrument": instrument_id, "kraken/raw_files": str(len(batch)),
                  "kraken/first_raw_file": batch[0].raw_file_id},
        )
        for batch in batches
    ]


def build_instrument_watcher(config: KrakenConfig, instrument_id: str, runs: RawFileRuns) -> dg.SensorDefinition:
    instrument = config.instruments[instrument_id]

    @dg.sensor(
        name=watcher_sensor_name(instrument_id),
        jobs=[runs.pipeline_job, runs.catch_up_job],
        minimum_interval_seconds=config.timings.watcher_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Watches the acquisition folder of {instrument.type.value} instrument {instrument_id}, registers new "
            f"raw files in the record, and requests the backup run of each finished acquisition (in batches "
            f"after an outage)."
        ),
        tags={"instrument": instrument_id},
    )
    def _watch(context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, mongo: MongoResource):
        cfg = kraken_config.get()
        db = mongo.get_database()
        health = measured_health(cfg, instrument_id, strict=False)
        if not health.ok:
            write_location_heartbeat(db, cfg, instrument_id, "instrument", health)
            return dg.SkipReason(f"{health.details}; nothing is read from it until it is back")
        outcome = InstrumentWatcher(db, cfg, instrument_id).tick(WatcherState.from_cursor(context.cursor))
        write_location_heartbeat(db, cfg, instrument_id, "instrument", health, files_in_folder=len(outcome.state.files),
                        files_waiting=outcome.deferred)
        for line in outcome.log:
            context.log.info(line)
        for name in outcome.reused_names:
            context.log.warning(f"{instrument_id}: the name {name} was used again for other data; it is backed up "
                                f"as a raw file of its own (check no_reused_file_names alerts the operators)")
        finished = sorted(outcome.finished, key=lambda f: f.mtime, reverse=True)
        for item in finished:
            context.log.info(f"{instrument_id}: {item.raw_file_id} finished ({item.reason}); requesting its backup")
        requests = run_requests_for(cfg, instrument_id, finished, runs)
        if len(requests) < len(finished):
            context.log.info(f"{instrument_id}: {len(finished)} finished raw files; requesting {len(requests)} "
                             f"catch-up runs of up to {cfg.catch_up.batch_size} files")
        return dg.SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=(
                [runs.partitions.build_add_request([item.raw_file_id for item in finished])] if finished else []
            ),
            cursor=outcome.state.to_cursor(),
        )

    return _watch
