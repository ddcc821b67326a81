"""A seeded record and the companion app (with the REST API mounted at /api/v1), in-process, for the API tests."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

import pytest
from starlette.testclient import TestClient

from kraken_core.config.qc import QcConfig
from kraken_core.qc.baseline import QcPoint
from kraken_core.record.accounts import add_account, issue_token
from kraken_core.record.annotations import add_annotation
from kraken_core.record.connection import MongoSettings
from kraken_core.record.qc_series import SeriesKey, record_point
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from tests.support.ui_record import seed_record

INSTRUMENTS = {"thermo1": "thermo", "bruker1": "bruker", "sciex1": "sciex"}
QC = QcConfig.model_validate({"series": [{
    "name": "hela", "raw_file_pattern": "(?i)hela", "instruments": ["thermo1"], "settings_name": "hela_standard",
    "metrics": ["precursors"], "rules": ["1-3s"], "baseline": {"points": 5, "min_points": 3}}]})
QC_KEY = SeriesKey("hela", "(?i)hela", "thermo1", "hela_standard", 2)
PASSWORD = secrets.token_urlsafe(12)


def _qc_points(db, now: datetime) -> None:
    """Five baseline files around 50,000 precursors, then one far below (a 1-3s violation)."""
    for i, value in enumerate([50_000, 50_400, 49_700, 50_200, 49_800, 40_000]):
        record_point(db, QC_KEY, QcPoint(f"qc_hela_{i}.raw", now - timedelta(hours=10 - i), {"precursors": value}))


@pytest.fixture(scope="module")
def api_record(mongo_client):
    """One seeded database per test module: 300 raw files (one every 9 minutes) with metrics, heartbeats,
    annotations, a QC series and two accounts."""
    name = f"kt_api_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    now = seed_record(db, 300, spacing=timedelta(minutes=9))
    add_annotation(db, instrument_id="thermo1", kind="column_change", occurred_at=now - timedelta(hours=30),
                   text="new 25 cm column", created_by="ana")
    add_annotation(db, instrument_id="thermo1", kind="note", occurred_at=now - timedelta(hours=3), text="spray")
    add_annotation(db, instrument_id="bruker1", kind="source_cleaning", occurred_at=now - timedelta(hours=5))
    _qc_points(db, now)
    add_account(db, "viewer", "viewer", PASSWORD)
    yield db
    mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def token(api_record) -> str:
    return issue_token(api_record, "viewer", "api")


@pytest.fixture(scope="module")
def api(api_record, token) -> TestClient:
    """The companion app with the viewer's API token in every request."""
    settings = CompanionSettings(mongo=MongoSettings(database=api_record.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors=INSTRUMENTS, qc=QC)
    client = TestClient(build_app(settings, api_record), follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client
