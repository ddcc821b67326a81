"""A small, known record for the MCP tests: three instruments, HeLa runs over two weeks, failures, projects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from kraken_core.record.indexes import ensure_indexes

# HeLa runs on thermo1: (days ago, proteins, gradient minutes); the first five are in the last 7 days.
THERMO_HELA = [(0.5, 5400, 44.0), (1.5, 5200, 44.0), (2.5, 5300, 21.0), (3.5, 5100, 44.0), (4.5, 5000, 44.0),
               (8.5, 4800, 44.0), (9.5, 4900, 44.0), (10.5, 5000, 44.0)]
HELA_NAME = "20251101_thermo1_HELA_{:02d}.raw"
DUP_NAME = "dup_PRJ1.raw"
DUP_COLLISION_FLAG = "20251101-101010-000000-"
FWHM_RT = 0.123456789
FREE_SPACE_GB = 512.3456789
OUTPUT_PATH = "/mnt/output/PRJ1/run_PRJ1_b/plasma_v3"
UPLOAD_ERROR = "S3 upload of raw file upload_PRJ1_c.wiff (instrument sciex1) failed: AccessDenied"


def hela_name(index: int) -> str:
    return HELA_NAME.format(index)


def _raw_file(raw_file_id: str, instrument_id: str, created_at: datetime, **fields) -> dict:
    doc = {
        "_id": raw_file_id,
        "original_name": raw_file_id,
        "collision_flag": None,
        "instrument_id": instrument_id,
        "project_id": "HELA" if "HELA" in raw_file_id else "PRJ1",
        "status": "done",
        "status_details": None,
        "size": 2_000_000_123,
        "file_info": {raw_file_id: [2_000_000_123, "0123456789abcdef0123456789abcdef"]},
        "backup_base_path": f"/mnt/backup/{instrument_id}/{created_at:%Y_%m}",
        "backup_status": "copying_done",
        "instrument_file_status": "initial",
        "created_at": created_at,
        "created_at_": created_at,
        "updated_at_": created_at + timedelta(minutes=30),
    }
    doc.update(fields)
    return doc


def _settings(name: str, version: int, fasta: str, status: str = "active") -> dict:
    return {"_id": f"{name}-v{version}", "name": name, "version": version, "status": status,
            "software_type": "alphadia", "software": "alphadia-2.0", "fasta_file_name": fasta,
            "speclib_file_name": "", "config_file_name": f"{name}.yaml", "config_params": "--qvalue 0.01"}


def _assignment(project_id: str, settings_id: str, scopes: list[str], created: datetime, **fields) -> dict:
    return {"project_id": project_id, "project": project_id, "settings": settings_id, "software_type": "alphadia",
            "scopes": scopes, "excluded_scopes": [], "raw_file_id_filter": [], "raw_file_id_exclude_filter": [],
            "created_at_": created, **fields}


def seed_record(db: Database, now: datetime | None = None) -> datetime:
    """Fill `db` with the known record relative to `now`; returns `now`."""
    now = now or datetime.now(UTC)
    ensure_indexes(db)
    raw_files, metrics = [], []
    for index, (days, proteins, gradient) in enumerate(THERMO_HELA):
        created = now - timedelta(days=days)
        raw_files.append(_raw_file(hela_name(index), "thermo1", created))
        metrics.append({"raw_file": hela_name(index), "settings_name": "hela_std", "settings_version": 1,
                        "settings_id": "hela_std-v1", "type": "alphadia", "slurm_job_id": f"{1000 + index}",
                        "output_path": f"/mnt/output/HELA/{hela_name(index)}/hela_std_v1",
                        "proteins": proteins, "precursors": proteins * 8, "gradient_length": gradient,
                        "fwhm_rt": FWHM_RT, "ms1_error": -1.5, "created_at_": created + timedelta(hours=1)})
    # the newest HeLa run was quantified again with version 2 of the settings
    metrics.append({"raw_file": hela_name(0), "settings_name": "hela_std", "settings_version": 2,
                    "proteins": 5450, "precursors": 44000, "gradient_length": 44.0, "fwhm_rt": 0.2,
                    "created_at_": now - timedelta(hours=2)})
    raw_files += [
        _raw_file(DUP_NAME, "thermo1", now - timedelta(days=20)),
        _raw_file(DUP_COLLISION_FLAG + DUP_NAME, "thermo1", now - timedelta(days=6), original_name=DUP_NAME,
                  collision_flag=DUP_COLLISION_FLAG),
        _raw_file("sample_PRJ1_bad.raw", "thermo1", now - timedelta(hours=5), status="error",
                  status_details="backup location /mnt/backup is full (0.2 GB free): free space and rerun",
                  backup_status="copying_failed", updated_at_=now - timedelta(hours=2)),
        _raw_file("run_PRJ1_a.d", "bruker1", now - timedelta(hours=8), status="acquisition_failed",
                  status_details="analysis.tdf_bin did not appear within 1800 s", backup_status=None,
                  backup_base_path=None, updated_at_=now - timedelta(hours=7)),
        _raw_file("run_PRJ1_b.wiff", "sciex1", now - timedelta(days=1), status="quanting_failed",
                  status_details="AlphaDIA exited with code 137 (out of memory) in slurm job 4242",
                  quanting_jobs=[{"job_id": "4242", "settings_id": "plasma-v3", "settings_name": "plasma",
                                  "settings_version": 3, "output_path": OUTPUT_PATH, "state": "OUT_OF_MEMORY",
                                  "exit_code": 137, "ended_at": now - timedelta(hours=3)}],
                  backup_status="upload_done", s3_upload_path="s3://kraken/PRJ1/run_PRJ1_b.wiff",
                  updated_at_=now - timedelta(hours=3)),
        _raw_file("upload_PRJ1_c.wiff", "sciex1", now - timedelta(days=2), backup_status="upload_failed",
                  s3_upload_error=UPLOAD_ERROR, updated_at_=now - timedelta(hours=1)),
        _raw_file("old_PRJ1_fail.raw", "thermo1", now - timedelta(days=5), status="error",
                  status_details="an old failure", updated_at_=now - timedelta(days=4)),
    ]
    db.raw_file.insert_many(raw_files)
    db.metrics.insert_many(metrics)
    db.kraken_status.insert_many([
        {"_id": "thermo1", "entity_type": "instrument", "status": "ok", "status_details": "mounted and readable",
         "free_space_gb": FREE_SPACE_GB, "updated_at_": now - timedelta(minutes=1)},
        {"_id": "bruker1", "entity_type": "instrument", "status": "error",
         "status_details": "/mnt/instruments/bruker1 is not mounted", "free_space_gb": None,
         "updated_at_": now - timedelta(minutes=2), "last_error_occurred_at": now - timedelta(minutes=2)},
        {"_id": "backup", "entity_type": "file_system", "status": "ok", "status_details": "mounted",
         "free_space_gb": 9000.0, "updated_at_": now - timedelta(minutes=1)},
    ])
    db.project.insert_many([
        {"_id": "HELA", "name": "HeLa QC", "description": "daily HeLa quality control", "status": "active"},
        {"_id": "PRJ1", "name": "Project one", "description": "plasma cohort", "status": "active"},
    ])
    # settings and assignments as the companion app writes them (kraken_core.record.settings_catalog)
    db.settings.insert_many([
        _settings("hela_std", 1, "human.fasta", status="archived"),
        _settings("hela_std", 2, "human.fasta"),
        _settings("hela_astral", 1, "human.fasta"),
        _settings("tims_hela", 1, "human.fasta"),
        _settings("plasma", 3, "plasma.fasta"),
    ])
    db.project_settings.insert_many([
        _assignment("HELA", "hela_std-v1", ["*"], now - timedelta(days=40)),
        _assignment("HELA", "hela_std-v2", ["*"], now - timedelta(days=30), excluded_scopes=["bruker"]),
        _assignment("HELA", "tims_hela-v1", ["bruker"], now - timedelta(days=29)),
        _assignment("HELA", "hela_astral-v1", ["thermo1"], now - timedelta(days=28)),
        _assignment("PRJ1", "plasma-v3", ["thermo1", "sciex"], now - timedelta(days=27),
                    raw_file_id_filter=["plasma"]),
    ])
    return now
