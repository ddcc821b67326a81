"""Switch-over from AlphaKraken, record side: an AlphaKraken record (tests/support/alphakraken_record.py) in the
real test MongoDB resolves its settings, shows its metrics as one series with this platform's, and migrates
idempotently."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bson import ObjectId

from starlette.testclient import TestClient

from kraken_core.quanting.settings_lookup import settings_for_raw_file
from kraken_core.record.connection import MongoSettings
from kraken_core.record.migrate import migrate
from kraken_core.record.quanting_jobs import write_job_metrics
from kraken_core.record.settings_catalog import (
    assign_settings,
    create_settings_version,
    project_assignments,
    settings_label,
)
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.overview import OverviewFilters, build_overview
from kraken_ui_ext.companion.settings import CompanionSettings
from kraken_ui_ext.companion.trends import TrendFilters, build_trends
from kraken_ui_ext.key_metrics import METRICS_BY_NAME
from mcp_server.projects import list_projects
from mcp_server.raw_files import raw_files_of_instrument
from mcp_server.record_reader import RecordReader
from mcp_server.trends import metric_trend
from tests.support import alphakraken_record as ak

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC).replace(microsecond=0)
# written by this platform before the switch: short metric names, our assignment shape, `archived`
OUR_RAW_FILE = "20261130_astral1_HELA_QC_ours.raw"
OUR_METRICS = {"raw_file": OUR_RAW_FILE, "settings_name": "hela_std", "settings_version": 2, "type": "alphadia",
               "settings_id": "hela_std-v2", "slurm_job_id": "77", "proteins": 5100, "ms1_error": 9.5,
               "ms2_bias": 0.25, "pg_intensity_sum": 1e9, "precursor_charge_mean": 2.4, "time_elapsed": 900}


@pytest.fixture
def record(mongo_db, make_config):
    loaded = ak.load_alphakraken_record(mongo_db, NOW)
    return mongo_db, loaded, make_config(instruments={i: {"type": v} for i, v in ak.INSTRUMENTS.items()})


def _add_our_older_documents(db):
    created = NOW - timedelta(hours=3)
    db.raw_file.insert_one({"_id": OUR_RAW_FILE, "original_name": OUR_RAW_FILE, "instrument_id": "astral1",
                            "project_id": "HELA", "status": "done", "created_at": created, "created_at_": created,
                            "updated_at_": created})
    db.metrics.insert_one({**OUR_METRICS, "created_at_": created + timedelta(hours=1)})
    db.settings.insert_one({"_id": "plasma-v1", "name": "plasma", "version": 1, "status": "archived",
                            "software_type": "alphadia", "software": "alphadia-2.3.0", "fasta_file_name": "h.fasta"})
    db.project_settings.insert_one({
        "_id": ObjectId(), "project_id": "PRJ1", "project": "PRJ1", "settings": db.settings.find_one({"name": "hela_std", "version": 2})["_id"], "software_type": "alphadia",
        "scopes": ["tims1", "zeno1"], "excluded_scopes": [], "raw_file_id_filter": ["_QC_", "_HeLa_"],
        "raw_file_id_exclude_filter": ["_blank_"], "created_at_": NOW.replace(tzinfo=None) - timedelta(days=1)})


def test_the_fixture_has_alphakrakens_fields_and_every_status_value(record):
    db, loaded, _ = record
    fields = {"raw_file": ak.RAW_FILE_FIELDS, "project": ak.PROJECT_FIELDS, "settings": ak.SETTINGS_FIELDS,
              "project_settings": ak.PROJECT_SETTINGS_FIELDS, "kraken_status": ak.KRAKEN_STATUS_FIELDS}
    for collection, names in fields.items():
        for doc in db[collection].find({}):
            assert set(doc) == set(names), (collection, doc["_id"])
    for doc in db.metrics.find({}):
        assert set(ak.METRICS_FIELDS) <= set(doc)
        assert set(doc) - set(ak.METRICS_FIELDS) <= set(ak.ALPHADIA_METRICS)
    def values(collection, field):
        return set(db[collection].distinct(field))
    assert set(ak.RAW_FILE_STATUSES) <= values("raw_file", "status")
    assert set(ak.BACKUP_STATUSES) <= values("raw_file", "backup_status")
    assert set(ak.INSTRUMENT_FILE_STATUSES) <= values("raw_file", "instrument_file_status")
    assert set(ak.PROJECT_STATUSES) <= values("project", "status")
    assert set(ak.SETTINGS_STATUSES) <= values("settings", "status")
    assert set(ak.SOFTWARE_TYPES) <= values("settings", "software_type")
    assert set(ak.JOB_ENGINES) <= values("settings", "job_engine")
    assert set(ak.METRICS_TYPES) <= values("settings", "metrics_type")
    assert set(ak.KRAKEN_STATUS_VALUES) <= values("kraken_status", "status")
    assert set(ak.KRAKEN_STATUS_ENTITIES) <= values("kraken_status", "entity_type")
    assert all(isinstance(s["_id"], ObjectId) for s in db.settings.find({}))


def _resolved(db, config, raw_file_id, instrument, project):
    doc = {"_id": raw_file_id, "instrument_id": instrument, "project_id": project}
    return sorted(settings_label(s) for s in settings_for_raw_file(db, config, doc))


@pytest.mark.parametrize("migrated", [False, True])
def test_alphakraken_assignments_resolve_to_the_right_settings_version(record, migrated):
    db, _, config = record
    if migrated:
        migrate(db, dry_run=False)
    hela = "20261201_x_HELA_QC_01.raw"
    # instrument beats vendor beats `*`; one winner per software type; `excluded` drops zeno1 from hela_std
    assert _resolved(db, config, hela, "astral1", "HELA") == ["hela_astral-v1", "msqc_qc-v1"]
    assert _resolved(db, config, hela, "tims1", "HELA") == ["msqc_qc-v1", "tims_hela-v1"]
    assert _resolved(db, config, hela, "zeno1", "HELA") == ["msqc_qc-v1"]
    # the file-name filter is one substring; inactive settings (hela_std v1) do not apply here (docs/switch-over.md)
    assert _resolved(db, config, "20261201_astral1_PRJ1_plasma_01.raw", "astral1", "PRJ1") == ["diann_plasma-v1"]
    assert _resolved(db, config, "20261201_astral1_PRJ1_serum_01.raw", "astral1", "PRJ1") == []
    assert _resolved(db, config, "20261201_zeno1_PRJ1_01.raw", "zeno1", "PRJ1") == ["custom_tool-v1", "skyline_qc-v1"]
    assert _resolved(db, config, "20261201_astral1_x.raw", "astral1", ak.FALLBACK_PROJECT_ID) == ["fallback_std-v1"]
    settings = settings_for_raw_file(db, config, {"_id": hela, "instrument_id": "tims1", "project_id": "HELA"})
    tims = next(s for s in settings if s["name"] == "tims_hela")
    assert isinstance(tims["_id"], ObjectId) and tims["job_engine"] == "slurm_no_sacct"
    assert tims["metrics_type"] == "alphadia" and tims["version"] == 1


def test_the_companion_writes_alphakrakens_shape_beside_an_alphakraken_record(record):
    db, _, config = record
    new = create_settings_version(db, {"name": "hela_std", "software": "alphadia-2.3.0",
                                       "fasta_file_name": "human.fasta"}, "ana")
    assert (new["version"], new["number"], new["status"]) == (3, 10, "active")
    assert isinstance(new["_id"], ObjectId) and new["job_engine"] == "slurm" and new["metrics_type"] == "alphadia"
    doc = assign_settings(db, {"project_id": "HELA", "settings_id": "hela_std-v3", "scope_type": "instrument",
                               "scope_instrument": "zeno1", "raw_file_id_filter": "_QC_"}, ak.INSTRUMENTS, "ana")
    stored = db.project_settings.find_one({"_id": doc["_id"]})
    assert {k: stored[k] for k in ("project", "settings", "scope", "excluded", "raw_file_id_filter")} == {
        "project": "HELA", "settings": new["_id"], "scope": "zeno1", "excluded": [], "raw_file_id_filter": "_QC_"}
    assert not {"project_id", "scopes", "excluded_scopes"} & set(stored)
    assert _resolved(db, config, "20261201_zeno1_HELA_QC_02.raw", "zeno1", "HELA") == ["hela_std-v3", "msqc_qc-v1"]
    assert len(project_assignments(db, ["HELA"])) == 5


def _trend_values(db, name):
    trends = build_trends(db, TrendFilters(metric=METRICS_BY_NAME[name], days=30, instrument="astral1"), NOW)
    return sorted(p.y for panel in trends.panels for p in panel.points)


@pytest.mark.parametrize("migrated", [False, True])
def test_old_and_new_metrics_are_one_series_in_the_companion_and_mcp(record, migrated):
    db, loaded, _ = record
    _add_our_older_documents(db)
    if migrated:
        migrate(db, dry_run=False)
    alphakraken_values = sorted(m["optimization:ms1_error"] for m in loaded["metrics"]
                                if m["raw_file"].split("_")[1] == "astral1" and "optimization:ms1_error" in m)
    assert len(alphakraken_values) == ak.HELA_DAYS
    assert _trend_values(db, "optimization:ms1_error") == sorted([*alphakraken_values, 9.5])
    assert _trend_values(db, "calibration:ms2_bias") == sorted([-0.5] * ak.HELA_DAYS + [0.25])
    assert len(_trend_values(db, "precursor_intensity_median")) == ak.HELA_DAYS

    overview = build_overview(db, OverviewFilters(instrument="astral1", max_age_days=30), NOW, all_metrics=True)
    by_id = {row.raw_file_id: row.metrics for row in overview.rows}
    assert by_id[OUR_RAW_FILE]["optimization:ms1_error"] == 9.5
    assert sum(1 for m in by_id.values() if m.get("optimization:ms1_error") is not None) == ak.HELA_DAYS + 1

    reader = RecordReader(db)
    answer = raw_files_of_instrument(reader, "astral1", name_contains="HELA_QC", max_age_days=30,
                                     gradient_length=None, only_basic_metrics=False, limit=50)
    values = {item["raw_file"]["name"]: item["metrics"] for item in answer}
    assert values[OUR_RAW_FILE]["optimization:ms1_error"] == 9.5 and "ms1_error" not in values[OUR_RAW_FILE]
    assert values[OUR_RAW_FILE]["pg:intensity_sum"] == 1e9 and values[OUR_RAW_FILE]["precursor:charge_mean"] == 2.4
    assert sum(1 for v in values.values() if "optimization:ms1_error" in v) == ak.HELA_DAYS + 1
    for name in ("optimization:ms1_error", "ms1_error"):  # an older name asks for the same series
        trend = metric_trend(reader, "astral1", name, period_days=15, name_contains="", settings_name=None, now=NOW)
        assert trend["metric"] == "optimization:ms1_error"
        assert trend["current_period"]["count"] == ak.HELA_DAYS + 1


def test_migration_reports_first_changes_what_it_reported_and_a_second_run_changes_nothing(record):
    db, loaded, _ = record
    _add_our_older_documents(db)
    db.metrics.insert_one({"raw_file": OUR_RAW_FILE, "settings_name": "other", "settings_version": 1,
                           "ms1_error": 1.0, "optimization:ms1_error": 2.0, "created_at_": NOW})
    before = {c: list(db[c].find({})) for c in ("metrics", "project_settings", "settings", "raw_file")}

    dry = migrate(db, dry_run=True)
    assert {c: list(db[c].find({})) for c in before} == before  # a dry run writes nothing
    assert dry.changed == {"metrics": 2, "project_settings": 1, "settings": 1}
    assert dry.created["project_settings"] == 3  # two scopes x two include filters: four assignments
    assert dry.renamed_metrics["ms1_error -> optimization:ms1_error"] == 2 and dry.conflicts == 1
    text = "\n".join(dry.lines())
    assert "would change" in text and "dry run" in text and "inactive settings" in text

    done = migrate(db, dry_run=False)
    assert (done.changed, done.created) == (dry.changed, dry.created)
    ours = db.metrics.find_one({"raw_file": OUR_RAW_FILE, "settings_name": "hela_std"})
    assert ours["optimization:ms1_error"] == 9.5 and ours["calibration:ms2_bias"] == 0.25 and "ms1_error" not in ours
    conflict = db.metrics.find_one({"settings_name": "other"})
    assert conflict["optimization:ms1_error"] == 2.0 and conflict["migrated_conflicts"] == [["ms1_error", 1.0]]
    split = [a for a in db.project_settings.find({"project": "PRJ1"}) if a.get("raw_file_id_exclude_filter")]
    assert sorted((a["scope"], a["raw_file_id_filter"]) for a in split) == [
        ("tims1", "_HeLa_"), ("tims1", "_QC_"), ("zeno1", "_HeLa_"), ("zeno1", "_QC_")]
    assert all(a["project"] == "PRJ1" and "scopes" not in a and "project_id" not in a for a in split)
    plasma = db.settings.find_one({"_id": "plasma-v1"})
    assert plasma["status"] == "inactive" and plasma["number"] == 10 and plasma["job_engine"] == "slurm"
    # AlphaKraken's own documents are already in its shape
    for collection in ("raw_file", "kraken_status", "project"):
        assert db[collection].count_documents({}) == len(loaded.get(collection, [])) + (collection == "raw_file")

    again = migrate(db, dry_run=False)
    assert again.nothing_to_do and not any(again.changed.values()) and not any(again.created.values())
    assert "nothing to migrate" in "\n".join(again.lines())


def test_failed_jobs_keep_their_job_time_as_alphakraken_does(mongo_db):
    jobs = [{"settings_name": "a", "settings_version": 1, "outcome": "done", "elapsed_s": 600, "output_path": "/o/a"},
            {"settings_name": "b", "settings_version": 1, "outcome": "quanting_failed", "elapsed_s": 300},
            {"settings_name": "c", "settings_version": 1, "outcome": "error", "elapsed_s": 5}]
    written = write_job_metrics(mongo_db, "r.raw", jobs, lambda job: {"ms1_error": 1.5, "proteins": 10})
    assert [(w["settings_name"], w["optimization:ms1_error"], w["time_elapsed"]) for w in written] == [("a", 1.5, 600)]
    failed = mongo_db.metrics.find_one({"settings_name": "b"})
    assert failed["time_elapsed"] == 300 and "proteins" not in failed
    assert mongo_db.metrics.count_documents({"settings_name": "c"}) == 0


def test_the_migration_command_reports_then_migrates_then_has_nothing_to_do(record, services):
    db, _, _ = record
    _add_our_older_documents(db)
    env = {**os.environ, "ENV": "test", "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
           "MONGO_DB": db.name, "MONGO_USER": "", "MONGO_PASSWORD": ""}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "kraken_core.record.migrate", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    dry = run("--dry-run")
    assert "metrics: 32 examined, 1 would change" in dry and "ms1_error -> optimization:ms1_error" in dry
    assert "project_settings: 10 examined, 1 would change, 3 would be created" in dry
    assert db.metrics.find_one({"raw_file": OUR_RAW_FILE})["ms1_error"] == 9.5  # nothing written
    assert "metrics: 32 examined, 1 changed" in run()
    again = run()
    assert "nothing to migrate" in again and "0 changed" in again


def test_the_companion_shows_an_alphakraken_record(record):
    db, _, _ = record
    _add_our_older_documents(db)
    settings = CompanionSettings(mongo=MongoSettings(database=db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors=ak.INSTRUMENTS)
    client = TestClient(build_app(settings, db), follow_redirects=False)
    page = client.get(f"/raw_files/{OUR_RAW_FILE}").text
    assert "optimization:ms1_error" in page and "pg:intensity_sum" in page and ">ms1_error<" not in page
    projects = client.get("/projects", params={"preview_project": "HELA"}).text
    for label in ("hela_std-v2", "hela_astral-v1", "tims_hela-v1", "msqc_qc-v1"):
        assert label in projects
    assert "hela_std-v1 <span class=\"muted\">(inactive)</span>" in projects
    trends = client.get("/trends", params={"metric": "optimization:ms1_error", "days": "30"})
    assert trends.status_code == 200 and "astral1: MS1 error (ppm), 11 raw files" in trends.text


def test_mcp_projects_resolve_alphakraken_assignments(record):
    db, _, _ = record
    answer = list_projects(RecordReader(db), ak.INSTRUMENTS, project_id="HELA", limit=10)
    [hela] = answer["projects"]
    assert hela["resolved_settings_per_instrument"] == {
        "astral1": ["hela_astral v1", "msqc_qc v1"], "tims1": ["tims_hela v1", "msqc_qc v1"], "zeno1": ["msqc_qc v1"]}
    first = hela["assignments"][0]
    assert first["scopes"] == ["*"] and first["excluded_scopes"] == ["zeno1"]
    assert first["settings"]["job_engine"] == "slurm" and first["settings"]["name"] == "hela_std"
