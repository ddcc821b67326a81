"""One watcher sensor per configured instrument, built from the YAML configuration."""


import dagster as dg

from kraken_assets.partitions import raw_files_partitions
from kraken_core.config import KrakenConfig
from kraken_core.locations import check_location
from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.watcher import InstrumentWatcher, WatcherState
from kraken_resources import KrakenConfigResource, MongoResource


def watcher_sensor_name(instrument_id: str) -> str:
    return f"watch_{instrument_id}"


def build_instrument_watcher(config: KrakenConfig, instrument_id: str, job) -> dg.SensorDefinition:
    instrument = config.instruments[instrument_id]

    @dg.sensor(
        name=watcher_sensor_name(instrument_id),
        job=job,
        minimum_interval_seconds=config.timings.watcher_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Watches the acquisition folder of {instrument.type.value} instrument {instrument_id}, registers new "
            f"raw files in the record, and requests the backup run of each finished acquisition."
        ),
        tags={"instrument": instrument_id},
    )
    def _watch(context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, mongo: MongoResource):
        cfg = kraken_config.get()
        db = mongo.get_database()
        health = check_location(cfg.instrument_location(instrument_id), instrument_id)
        if not health.ok:
            write_heartbeat(db, instrument_id, "instrument", health)
            return dg.SkipReason(f"{health.details}; nothing is read from it until it is back")
        outcome = InstrumentWatcher(db, cfg, instrument_id).tick(WatcherState.from_cursor(context.cursor))
        write_heartbeat(db, instrument_id, "instrument", health, files_in_folder=len(outcome.state.files),
                        files_waiting=outcome.deferred)
        for line in outcome.log:
            context.log.info(line)
        finished = sorted(outcome.finished, key=lambda f: f.mtime, reverse=True)
        for item in finished:
            context.log.info(f"{instrument_id}: {item.raw_file_id} finished ({item.reason}); requesting its backup")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=item.raw_file_id,
                    partition_key=item.raw_file_id,
                    tags={"instrument": instrument_id},
                )
                for item in finished
            ],
            dynamic_partitions_requests=(
                [raw_files_partitions.build_add_request([item.raw_file_id for item in finished])] if finished else []
            ),
            cursor=outcome.state.to_cursor(),
        )

    return _watch
