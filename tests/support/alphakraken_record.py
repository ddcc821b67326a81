"""A record exactly as AlphaKraken v1.0 writes it, for switch-over tests.

Written from the field lists of AlphaKraken's `shared/db/models.py` (RawFile, Metrics, Project, Settings,
ProjectSettings, KrakenStatus), its status classes (RawFileStatus, BackupStatus, InstrumentFileStatus,
ProjectStatus, SettingsStatus, KrakenStatusValues, KrakenStatusEntities), `shared/keys.py` (SoftwareTypes,
JobEngines, MetricsTypes, FALLBACK_PROJECT_ID) and the metric names of `airflow_src/plugins/metrics/` (AlphaDIA
columns with `.` turned into `:`). Documents are inserted the way mongoengine stores them: `_id` for the primary
key, ReferenceFields as the referenced `_id` (ObjectId for settings), naive datetimes, `file_info` values as
lists. Every status value is used at least once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.database import Database

# AlphaKraken's model field lists (shared/db/models.py)
RAW_FILE_FIELDS = ("_id", "collision_flag", "original_name", "instrument_id", "project_id", "status",
                   "status_details", "size", "backup_base_path", "backup_status", "s3_upload_path",
                   "instrument_file_status", "file_info", "created_at", "created_at_", "updated_at_")
METRICS_FIELDS = ("_id", "raw_file", "settings_name", "settings_version", "type", "output_path", "created_at_")
PROJECT_FIELDS = ("_id", "name", "description", "status", "created_at_")
SETTINGS_FIELDS = ("_id", "number", "name", "version", "description", "fasta_file_name", "speclib_file_name",
                   "config_file_name", "config_params", "software_type", "software", "job_engine", "metrics_type",
                   "slurm_cpus_per_task", "slurm_mem", "slurm_time", "num_threads", "status", "created_at_")
PROJECT_SETTINGS_FIELDS = ("_id", "project", "settings", "scope", "excluded", "raw_file_id_filter", "created_at_")
KRAKEN_STATUS_FIELDS = ("_id", "status", "status_details", "free_space_gb", "entity_type", "updated_at_")

RAW_FILE_STATUSES = ("ignored", "queued_for_monitoring", "monitoring_acquisition", "monitoring_done", "checksumming",
                     "checksumming_done", "copying", "copying_done", "acquisition_failed", "queued_for_quanting",
                     "quanting", "quanting_failed", "error", "done", "done_not_quanted")
BACKUP_STATUSES = ("copying_in_progress", "copying_done", "copying_failed", "upload_in_progress", "upload_done",
                   "upload_failed", "skipped")
INSTRUMENT_FILE_STATUSES = ("n/a", "initial", "renamed", "moved", "purged")
PROJECT_STATUSES = ("active", "inactive")
SETTINGS_STATUSES = ("active", "inactive")
KRAKEN_STATUS_VALUES = ("ok", "error")
KRAKEN_STATUS_ENTITIES = ("instrument", "file_system", "job")
SOFTWARE_TYPES = ("alphadia", "msqc", "skyline", "custom")
JOB_ENGINES = ("slurm", "slurm_no_sacct", "file_based", "generic")
METRICS_TYPES = ("alphadia", "msqc", "skyline", "diann", "custom")
FALLBACK_PROJECT_ID = "_FALLBACK"

# the metrics AlphaKraken's calc_alphadia_metrics stores, and the job time it adds
ALPHADIA_METRICS = ("proteins", "precursors", "fwhm_rt", "fwhm_mobility", "optimization:ms1_error",
                    "optimization:ms2_error", "optimization:rt_error", "optimization:mobility_error",
                    "calibration:ms1_bias", "calibration:ms2_bias", "gradient_length", "weighted_ms1_intensity_sum",
                    "pg:intensity_sum", "precursor:charge_mean", "precursor:charge_std", "precursor:charge_median",
                    "precursor:proba_mean", "precursor:proba_std", "precursor:proba_median",
                    "precursor_intensity_median", "precursor:sequence_len_mean", "precursor:sequence_len_std",
                    "precursor:sequence_len_median", "duration_optimization", "duration_extraction", "time_elapsed")

INSTRUMENTS = {"astral1": "thermo", "tims1": "bruker", "zeno1": "sciex"}
HELA_DAYS = 10  # one done HeLa QC raw file per instrument and day, the newest `days_ago=1`


def _alphadia_metrics(index: int) -> dict[str, float]:
    """Plausible values; `optimization:ms1_error` grows by 0.1 per file so a series is easy to check."""
    values = {name: float(100 + index) for name in ALPHADIA_METRICS}
    values.update({"proteins": 5000.0 + index, "precursors": 40000.0 + 10 * index, "gradient_length": 21.0,
                   "optimization:ms1_error": round(2.0 + 0.1 * index, 3), "calibration:ms2_bias": -0.5,
                   "precursor_intensity_median": 1.5e5 + index, "time_elapsed": 1200.0 + index})
    return values


def alphakraken_record(now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every collection's documents; `now` is naive (AlphaKraken writes local naive datetimes)."""
    now = now.replace(tzinfo=None, microsecond=0)
    projects = [
        {"_id": "HELA", "name": "HeLa QC", "description": "daily HeLa", "status": "active", "created_at_": now - timedelta(days=400)},
        {"_id": "PRJ1", "name": "Plasma", "description": "plasma cohort", "status": "active", "created_at_": now - timedelta(days=300)},
        {"_id": "OLDP", "name": "Old project", "description": "", "status": "inactive", "created_at_": now - timedelta(days=900)},
        {"_id": FALLBACK_PROJECT_ID, "name": "Fallback", "description": "files of no project", "status": "active",
         "created_at_": now - timedelta(days=900)},
    ]
    settings_ids = {key: ObjectId() for key in ("hela_v1", "hela_v2", "hela_astral", "tims", "msqc", "skyline",
                                                "custom", "diann", "fallback")}
    def settings(key, number, name, version, status="active", software_type="alphadia", job_engine="slurm",
                 metrics_type=None, **fields):
        return {"_id": settings_ids[key], "number": number, "name": name, "version": version,
                "description": f"{name} v{version}", "fasta_file_name": fields.get("fasta", "human.fasta"),
                "speclib_file_name": fields.get("speclib", ""), "config_file_name": "config.yaml",
                "config_params": fields.get("config_params", ""), "software_type": software_type,
                "software": fields.get("software", "alphadia-1.10.0"), "job_engine": job_engine,
                "metrics_type": metrics_type or software_type, "slurm_cpus_per_task": 8, "slurm_mem": "62G",
                "slurm_time": "02:00:00", "num_threads": 8, "status": status,
                "created_at_": now - timedelta(days=200 - number)}
    settings_docs = [
        settings("hela_v1", 1, "hela_std", 1, status="inactive"),
        settings("hela_v2", 2, "hela_std", 2),
        settings("hela_astral", 3, "hela_astral", 1, speclib="astral.speclib.hdf"),
        settings("tims", 4, "tims_hela", 1, job_engine="slurm_no_sacct"),
        settings("msqc", 5, "msqc_qc", 1, software_type="msqc", software="msqc-0.3", job_engine="file_based"),
        settings("skyline", 6, "skyline_qc", 1, software_type="skyline", software="skyline-24", job_engine="generic"),
        settings("custom", 7, "custom_tool", 1, software_type="custom", software="custom-env",
                 config_params="tool --raw {raw_file_path}"),
        settings("diann", 8, "diann_plasma", 1, software_type="custom", metrics_type="diann", software="diann-2"),
        settings("fallback", 9, "fallback_std", 1),
    ]
    def assignment(project, key, scope="*", excluded=(), raw_file_id_filter="", days=100):
        return {"_id": ObjectId(), "project": project, "settings": settings_ids[key], "scope": scope,
                "excluded": list(excluded), "raw_file_id_filter": raw_file_id_filter,
                "created_at_": now - timedelta(days=days)}
    project_settings = [
        assignment("HELA", "hela_v2", excluded=["zeno1"], days=90),
        assignment("HELA", "hela_astral", scope="astral1", days=89),
        assignment("HELA", "tims", scope="bruker", days=88),
        assignment("HELA", "msqc", days=87),
        assignment("PRJ1", "diann", scope="thermo", raw_file_id_filter="_plasma_", days=86),
        assignment("PRJ1", "hela_v1", days=85),  # inactive settings still assigned
        assignment("PRJ1", "skyline", scope="zeno1", days=84),
        assignment("PRJ1", "custom", scope="sciex", days=83),
        assignment(FALLBACK_PROJECT_ID, "fallback", days=82),
    ]

    raw_files, metrics = [], []
    index = 0
    for days_ago in range(HELA_DAYS, 0, -1):
        for instrument in INSTRUMENTS:
            index += 1
            created = now - timedelta(days=days_ago, hours=1)
            raw_id = f"20261{index:03d}_{instrument}_HELA_QC_{days_ago:02d}.raw"
            raw_files.append(_raw_file(raw_id, instrument, "HELA", created, "done", backup_status="upload_done",
                                       instrument_file_status="moved"))
            metrics.append({"_id": ObjectId(), "raw_file": raw_id, "settings_name": "hela_std", "settings_version": 2,
                            "type": "alphadia", "output_path": f"HELA/out_{raw_id}/alphadia",
                            **_alphadia_metrics(index), "created_at_": created + timedelta(hours=2)})

    statuses = [s for s in RAW_FILE_STATUSES if s != "done"]
    backups = list(BACKUP_STATUSES) + [None]
    instrument_statuses = list(INSTRUMENT_FILE_STATUSES)
    for offset, status in enumerate(statuses):
        instrument = list(INSTRUMENTS)[offset % 3]
        raw_id = f"20261201_{instrument}_PRJ1_{status}.raw"
        raw_files.append(_raw_file(
            raw_id, instrument, "PRJ1", now - timedelta(hours=offset + 2), status,
            backup_status=backups[offset % len(backups)],
            instrument_file_status=instrument_statuses[offset % len(instrument_statuses)],
            status_details=None if status in ("done_not_quanted", "ignored") else f"{status} details",
        ))
        if status == "quanting_failed":  # AlphaKraken stores the job time of a failed job
            metrics.append({"_id": ObjectId(), "raw_file": raw_id, "settings_name": "hela_std", "settings_version": 1,
                            "type": "alphadia", "output_path": f"PRJ1/out_{raw_id}/alphadia",
                            "time_elapsed": 3600, "created_at_": now - timedelta(hours=offset + 1)})
    collided = _raw_file("R7K2M1-20261201_astral1_PRJ1_dup.raw", "astral1", "PRJ1", now - timedelta(hours=30),
                         "done", backup_status="skipped", instrument_file_status="purged")
    collided.update(collision_flag="R7K2M1-", original_name="20261201_astral1_PRJ1_dup.raw")
    raw_files.append(collided)

    kraken_status = [
        {"_id": "astral1", "status": "ok", "status_details": "", "free_space_gb": 812, "entity_type": "instrument",
         "updated_at_": now - timedelta(minutes=1)},
        {"_id": "tims1", "status": "error", "status_details": "instrument share not mounted", "free_space_gb": -1,
         "entity_type": "instrument", "updated_at_": now - timedelta(minutes=2)},
        {"_id": "zeno1", "status": "n/a", "status_details": "", "free_space_gb": -1, "entity_type": "instrument",
         "updated_at_": now - timedelta(hours=5)},
        {"_id": "backup", "status": "ok", "status_details": "", "free_space_gb": 20480, "entity_type": "file_system",
         "updated_at_": now - timedelta(minutes=1)},
        {"_id": "job_check_slurm", "status": "ok", "status_details": "", "free_space_gb": -1, "entity_type": "job",
         "updated_at_": now - timedelta(minutes=3)},
    ]
    return {"raw_file": raw_files, "metrics": metrics, "project": projects, "settings": settings_docs,
            "project_settings": project_settings, "kraken_status": kraken_status}


def _raw_file(raw_id: str, instrument: str, project: str, created: datetime, status: str, *,
              backup_status: str | None, instrument_file_status: str, status_details: str | None = None) -> dict:
    year_month = created.strftime("%Y_%m")
    return {
        "_id": raw_id, "collision_flag": None, "original_name": raw_id, "instrument_id": instrument,
        "project_id": project, "status": status, "status_details": status_details, "size": 2_000_000_000,
        "backup_base_path": f"/fs/pool/backup/{instrument}/{year_month}",
        "backup_status": backup_status,
        # AlphaKraken's form for a project's raw file: the bucket `{bucket_prefix}-{project}`, keys without a prefix
        "s3_upload_path": f"s3://alphakraken-{project.lower()}" if backup_status == "upload_done" else None,
        "instrument_file_status": instrument_file_status,
        "file_info": {raw_id: [2_000_000_000, "0123456789abcdef0123456789abcdef",
                               "0123456789abcdef0123456789abcdef-20__100"]}
        if backup_status == "upload_done" else {raw_id: [2_000_000_000, "0123456789abcdef0123456789abcdef"]},
        "created_at": created, "created_at_": created + timedelta(minutes=5),
        "updated_at_": created + timedelta(hours=2),
    }


def load_alphakraken_record(db: Database, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Insert the record into `db` (an empty database) and return what was inserted."""
    record = alphakraken_record(now)
    for collection, docs in record.items():
        db[collection].insert_many([dict(doc) for doc in docs])
    return record
