"""Metrics of several tools for one raw file, side by side: the companion's raw file page, trends and overview
read each metric from the document of the tool that has it, whichever document is newest."""

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from kraken_core.record.connection import MongoSettings
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.overview import OverviewFilters, build_overview
from kraken_ui_ext.companion.settings import CompanionSettings
from kraken_ui_ext.companion.trends import TrendFilters, build_trends
from kraken_ui_ext.key_metrics import METRICS_BY_NAME

NOW = datetime.now(UTC).replace(microsecond=0)


def seed(db) -> None:
    raw = {"instrument_id": "thermo1", "project_id": "PRJ1", "status": "done", "size": 1}
    db.raw_file.insert_many([
        {"_id": "both.raw", **raw, "created_at": NOW - timedelta(hours=2), "updated_at_": NOW - timedelta(hours=1)},
        {"_id": "older_msqc.raw", **raw, "created_at": NOW - timedelta(hours=3), "updated_at_": NOW},
    ])
    db.metrics.insert_many([
        {"raw_file": "both.raw", "type": "alphadia", "settings_name": "fast", "settings_version": 1,
         "proteins": 5012, "precursors": 48113, "gradient_length": 21.0, "created_at_": NOW - timedelta(minutes=70)},
        # MSQC's document is the newest: it must not hide AlphaDIA's proteins
        {"raw_file": "both.raw", "type": "msqc", "settings_name": "qc", "settings_version": 2,
         "evosep_pump_hp_pressure_max": 417.0, "ms1_median_tic": 2.6e9, "gradient_length": 21.5,
         "created_at_": NOW - timedelta(minutes=65)},
        # as AlphaKraken stored MSQC metrics before April 2026
        {"raw_file": "older_msqc.raw", "type": "msqc", "settings_name": "qc", "settings_version": 1,
         "msqc_evosep_pump_hp_pressure_max": 402.0, "created_at_": NOW - timedelta(hours=2)},
    ])


def trend_values(db, metric: str) -> dict[str, float]:
    trends = build_trends(db, TrendFilters(metric=METRICS_BY_NAME[metric], days=1), NOW)
    return {p.label.split(" ")[0]: p.y for panel in trends.panels for p in panel.points}


def test_trends_find_each_tools_metric_in_its_own_document(mongo_db):
    seed(mongo_db)
    assert trend_values(mongo_db, "proteins") == {"both.raw": 5012}
    assert trend_values(mongo_db, "evosep_pump_hp_pressure_max") == {"both.raw": 417.0, "older_msqc.raw": 402.0}


def test_overview_row_shows_alphadia_identifications_beside_a_newer_msqc_document(mongo_db):
    seed(mongo_db)
    overview = build_overview(mongo_db, OverviewFilters(), NOW)
    row = next(r for r in overview.page_rows if r.raw_file_id == "both.raw")
    assert row.metrics["proteins"] == 5012 and row.metrics["precursors"] == 48113


def test_raw_file_page_shows_both_metric_sets_with_their_metrics_type(mongo_db):
    seed(mongo_db)
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo"})
    client = TestClient(build_app(settings, mongo_db), follow_redirects=False)
    page = client.get("/raw_files/both.raw").text
    assert "fast v1 · alphadia metrics" in page and "qc v2 · msqc metrics" in page
    assert "evosep_pump_hp_pressure_max" in page and "5012" in page
    trends = client.get("/trends?metric=evosep_pump_hp_pressure_max&days=1").text
    assert '<optgroup label="MSQC">' in trends and '<optgroup label="DIA-NN">' in trends
    assert 'value="evosep_pump_hp_pressure_max" selected' in trends
