"""Requests a run of the instrument file mover when raw files are due to move (their backup is verified and
`file_move_delay_m` has passed), or when due files must be refused; a quiet tick costs one query per instrument.

Outside production (or with `lifecycle.dry_run`) nothing would ever move, so the due set only grows: the sensor
then requests no runs and says how many files would move; launch `move_instrument_files` by hand for the report.
"""

from collections.abc import Callable

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.lifecycle.mode import LifecycleMode, lifecycle_mode
from kraken_core.lifecycle.mover import Mover
from kraken_core.locations import check_location
from kraken_resources import KrakenConfigResource, MongoResource

PLANNING = LifecycleMode(False, "planning only")


def build_mover_sensor(
    config: KrakenConfig, job, run_key: Callable[[list[str]], str]
) -> dg.SensorDefinition:
    @dg.sensor(
        name="instrument_file_mover",
        job=job,
        minimum_interval_seconds=config.lifecycle.mover_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests the move of backed-up raw files into their instrument's Backup/ folder when due.",
    )
    def _mover(context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, mongo: MongoResource):
        cfg = kraken_config.get()
        mover = Mover(cfg, mongo.get_database(), PLANNING)
        due: list[str] = []
        for instrument_id, instrument in cfg.instruments.items():
            if not instrument.lifecycle.moves_files:
                continue
            if not check_location(cfg.instrument_location(instrument_id), instrument_id).ok:
                continue
            due += [doc["_id"] for doc, _refusal in mover.due(instrument_id)]
        if not due:
            return dg.SkipReason("no raw file is due to move")
        mode = lifecycle_mode(kraken_config.env, cfg)
        if not mode.destructive:
            return dg.SkipReason(f"{len(due)} raw files would move, but {mode.reason}; launch move_instrument_files "
                                 f"by hand to see the report")
        context.log.info(f"{len(due)} raw files due to move: {', '.join(due[:20])}")
        return dg.RunRequest(run_key=run_key(due), tags={"kraken/due_files": str(len(due))})

    return _mover
