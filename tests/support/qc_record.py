"""A QC series in a test record, judged file by file as the `qc_series_in_control` check judges it: HeLa
standards on thermo1 every 4 hours, a column change that starts a new baseline, and a newest file far below its
baseline (a 1-3s violation). One file's name is hostile (markup and a script end tag), as names from people are."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from kraken_core.config.qc import QcConfig
from kraken_core.qc.raw_file_verdict import judge_raw_file
from kraken_core.record.annotations import add_annotation
from kraken_core.statuses import RawFileStatus

QC_SERIES = {"series": [{
    "name": "hela", "raw_file_pattern": "(?i)_hela_std_", "instruments": ["thermo1"], "settings_name": "hela_std",
    "metrics": ["precursors", "proteins", "fwhm_rt"], "rules": ["1-3s", "2-2s", "R-4s", "4-1s", "10-x", "cusum"],
    "baseline": {"points": 10, "min_points": 5},
}]}
HOSTILE_PART = "</script><img src=x onerror=alert(1)>"
FILES_BEFORE_RESET, FILES_AFTER_RESET = 22, 18


@dataclass(frozen=True)
class QcSeriesFiles:
    raw_file_ids: list[str]  # oldest first
    hostile: str
    violated: str  # the newest, 1-3s low
    column_change_at: datetime


def seed_qc_series(db: Database, now: datetime | None = None, seed: int = 3) -> QcSeriesFiles:
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    qc = QcConfig.model_validate(QC_SERIES)
    count = FILES_BEFORE_RESET + FILES_AFTER_RESET
    start = now - timedelta(hours=4 * count)
    reset_at = start + timedelta(hours=4 * FILES_BEFORE_RESET - 2)
    ids = []
    for i in range(count):
        acquired = start + timedelta(hours=4 * i)
        if i == FILES_BEFORE_RESET:
            add_annotation(db, instrument_id="thermo1", kind="column_change", occurred_at=reset_at,
                           text="new 25 cm column", created_by="otto")
        centre = 52000 if i < FILES_BEFORE_RESET else 48000
        precursors = round(centre + rng.gauss(0, 700))
        if i == count - 1:
            precursors = 48000 - 6000  # far below the new baseline
        name = f"{acquired:%Y%m%d}_thermo1_HELA_HeLa_std_{i:02d}.raw"
        if i == 5:
            name = f"{acquired:%Y%m%d}_thermo1_HELA_HeLa_std_{HOSTILE_PART}_{i:02d}.raw"
        db.raw_file.insert_one({"_id": name, "original_name": name, "collision_flag": None, "instrument_id": "thermo1",
                                "project_id": "HELA", "status": str(RawFileStatus.DONE), "size": 2_400_000_000,
                                "file_info": {}, "created_at": acquired, "created_at_": acquired,
                                "updated_at_": acquired + timedelta(minutes=40)})
        metrics = {"raw_file": name, "settings_name": "hela_std", "settings_version": 1, "precursors": precursors,
                   "proteins": round(6300 + rng.gauss(0, 60)), "fwhm_rt": 2.9 + rng.gauss(0, 0.1),
                   "created_at_": acquired + timedelta(minutes=40)}
        db.metrics.insert_one(metrics)
        raw_file = db.raw_file.find_one({"_id": name})
        judge_raw_file(db, qc, raw_file, [metrics])
        ids.append(name)
    return QcSeriesFiles(ids, ids[5], ids[-1], reset_at)
