"""A realistic record for the companion app's tests, screenshots and benchmark: raw files of several
instruments and projects in every status, metrics for the quantified ones, heartbeats, projects, settings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from kraken_core.record.indexes import ensure_indexes
from kraken_core.statuses import RawFileStatus

INSTRUMENTS = {"thermo1": ("raw", 2.4e9), "bruker1": ("d", 4.1e9), "sciex1": ("wiff", 1.2e9)}
PROJECTS = ["PRJ1", "HELA", "_FALLBACK"]
BASE_METRICS = {"thermo1": (6200, 52000, 2.9), "bruker1": (7400, 68000, 3.6), "sciex1": (4100, 31000, 4.2)}
RECENT_STATUSES = [RawFileStatus.MONITORING_ACQUISITION, RawFileStatus.CHECKSUMMING, RawFileStatus.COPYING,
                   RawFileStatus.QUEUED_FOR_QUANTING, RawFileStatus.QUANTING]


def _status(rng: random.Random, age: timedelta) -> RawFileStatus:
    if age < timedelta(hours=2):
        return rng.choice(RECENT_STATUSES)
    roll = rng.random()
    if roll < 0.86:
        return RawFileStatus.DONE
    if roll < 0.92:
        return RawFileStatus.DONE_NOT_QUANTED
    if roll < 0.96:
        return RawFileStatus.QUANTING_FAILED
    if roll < 0.98:
        return RawFileStatus.ACQUISITION_FAILED
    return RawFileStatus.ERROR


def raw_file_docs(count: int, now: datetime, spacing: timedelta, seed: int = 7):
    """`count` raw files, newest first, one every `spacing`, round-robin over the instruments; with metrics."""
    rng = random.Random(seed)
    instruments = list(INSTRUMENTS)
    for i in range(count):
        instrument = instruments[i % len(instruments)]
        suffix, typical_size = INSTRUMENTS[instrument]
        created = now - spacing * i - timedelta(minutes=1)
        project = PROJECTS[rng.randrange(len(PROJECTS))]
        sample = "HeLa_QC" if rng.random() < 0.3 else f"sample{rng.randrange(1, 96):02d}"
        name = f"{created:%Y%m%d}_{instrument}_{project}_{sample}_{i:06d}.{suffix}"
        status = _status(rng, now - created)
        done = status not in RECENT_STATUSES
        doc: dict[str, Any] = {
            "_id": name, "original_name": name, "collision_flag": None, "instrument_id": instrument,
            "project_id": project, "status": str(status),
            "status_details": {RawFileStatus.QUANTING_FAILED: "TOO_FEW_PSM: alphadia found too few PSMs",
                               RawFileStatus.ERROR: "backup: backup folder is full",
                               RawFileStatus.ACQUISITION_FAILED: "instrument renamed it _CORRUPTED"}.get(status),
            "size": int(typical_size * rng.uniform(0.7, 1.3)), "file_info": {},
            "backup_status": "copying_done" if done else None, "instrument_file_status": "initial",
            "created_at": created, "created_at_": created + timedelta(minutes=2),
            "updated_at_": created + timedelta(minutes=rng.uniform(25, 70)) if done else now,
        }
        metrics = None
        if status == RawFileStatus.DONE:
            proteins, precursors, fwhm = BASE_METRICS[instrument]
            drift = 1 - 0.1 * ((i // 300) % 2)
            metrics = {
                "raw_file": name, "settings_name": "hela_standard" if "HeLa" in name else "plasma",
                "settings_version": 2, "proteins": round(rng.gauss(proteins * drift, proteins * 0.05)),
                "precursors": round(rng.gauss(precursors * drift, precursors * 0.06)),
                "fwhm_rt": rng.gauss(fwhm, 0.25), "fwhm_mobility": rng.gauss(0.012, 0.001),
                "ms1_error": abs(rng.gauss(2.5, 0.6)), "ms2_error": abs(rng.gauss(6.0, 1.2)),
                "rt_error": abs(rng.gauss(60, 12)), "ms1_bias": rng.gauss(0.3, 0.4), "ms2_bias": rng.gauss(-0.5, 0.6),
                "gradient_length": rng.choice([21.0, 44.0, 44.0, 88.0]), "duration_total": rng.gauss(18, 4),
                "created_at_": doc["updated_at_"],
            }
            if i % 2:  # AlphaDIA's own column names, as the quantification writes them
                for short, alphadia in (("ms1_error", "optimization.ms1_error"), ("ms2_error", "optimization.ms2_error"),
                                        ("gradient_length", "raw.gradient_length_m")):
                    metrics[alphadia] = metrics.pop(short)
        yield doc, metrics


def seed_record(db: Database, count: int = 400, now: datetime | None = None,
                spacing: timedelta = timedelta(minutes=9), batch: int = 5000) -> datetime:
    """Fill `db` with `count` raw files (and their metrics), heartbeats, two projects and settings."""
    now = now or datetime.now(UTC)
    ensure_indexes(db)
    raw, metrics = [], []
    for doc, metric in raw_file_docs(count, now, spacing):
        raw.append(doc)
        if metric:
            metrics.append(metric)
        if len(raw) >= batch:
            db.raw_file.insert_many(raw, ordered=False)
            if metrics:
                db.metrics.insert_many(metrics, ordered=False)
            raw, metrics = [], []
    if raw:
        db.raw_file.insert_many(raw, ordered=False)
    if metrics:
        db.metrics.insert_many(metrics, ordered=False)
    heartbeats = [("thermo1", "instrument", 20, "ok", 812.4), ("bruker1", "instrument", 340, "ok", 145.0),
                  ("sciex1", "instrument", 7200, "error", None), ("backup", "file_system", 15, "ok", 40210.7),
                  ("output", "file_system", 15, "ok", 9120.0)]
    for entity, kind, age_s, status, free in heartbeats:
        db.kraken_status.replace_one({"_id": entity}, {
            "_id": entity, "entity_type": kind, "status": status, "free_space_gb": free,
            "status_details": "ok" if status == "ok" else f"{entity}: folder does not exist; mount the share",
            "updated_at_": now - timedelta(seconds=age_s)}, upsert=True)
    for project_id, name in (("PRJ1", "Plasma cohort"), ("HELA", "HeLa quality control")):
        db.project.replace_one({"_id": project_id}, {"_id": project_id, "name": name, "description": "",
                                                     "status": "active", "created_at_": now}, upsert=True)
    return now
