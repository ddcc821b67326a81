"""Maintenance annotations in the companion over HTTP (in-process app, test MongoDB): who may record one, what bad
input is refused with which message (nothing written), and the control chart's status and embedded figure data."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from kraken_core.config.qc import QcConfig
from kraken_core.qc.raw_file_verdict import judge_raw_file
from kraken_core.record.accounts import add_account
from kraken_core.record.connection import MongoSettings
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings

PASSWORD = secrets.token_urlsafe(12)
QC = QcConfig.model_validate({"series": [{
    "name": "hela", "raw_file_pattern": "(?i)hela", "settings_name": "hela_std", "metrics": ["precursors"],
    "rules": ["1-3s", "2-2s", "cusum"], "baseline": {"points": 5, "min_points": 5}}]})
HOSTILE = "20260302_thermo1_HeLa_</script><script>alert(1)</script>.raw"


def _client(db) -> TestClient:
    settings = CompanionSettings(mongo=MongoSettings(database=db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo", "bruker1": "bruker"}, qc=QC)
    return TestClient(build_app(settings, db), follow_redirects=False)


def _login(client, user: str) -> str:
    assert client.post("/login", data={"user": user, "password": PASSWORD}).status_code == 303
    page = client.get("/annotations").text
    return page.split('name="form_token" value="')[1].split('"')[0] if 'name="form_token"' in page else ""


@pytest.fixture
def client(mongo_db):
    add_account(mongo_db, "otto", "operator", PASSWORD)
    add_account(mongo_db, "vera", "viewer", PASSWORD)
    return _client(mongo_db)


def test_an_operator_records_an_annotation_and_sees_it_listed(client, mongo_db):
    token = _login(client, "otto")
    response = client.post("/annotations/new", data={"instrument": "thermo1", "kind": "column_change",
                                                     "occurred_at": "2026-03-02T13:30", "text": "new 25 cm column",
                                                     "form_token": token})
    assert response.status_code == 303 and "instrument=thermo1" in response.headers["location"]
    [doc] = mongo_db.instrument_annotation.find()
    assert (doc["instrument_id"], doc["kind"], doc["text"], doc["created_by"]) == ("thermo1", "column_change",
                                                                                   "new 25 cm column", "otto")
    assert doc["occurred_at"] == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    listing = client.get(response.headers["location"]).text
    assert "column change on thermo1 at 2026-03-02 13:30 UTC recorded" in listing.replace("column_change", "column change")
    row = re.search(r'<tr data-kind="column_change">(.*?)</tr>', listing, re.S).group(1)
    assert "2026-03-02 13:30" in row and "new 25 cm column" in row and "new baseline" in row and "otto" in row
    assert "No annotations of bruker1" in client.get("/annotations?instrument=bruker1").text


def test_without_the_operator_role_or_the_form_token_nothing_is_recorded(client, mongo_db):
    form = {"instrument": "thermo1", "kind": "maintenance", "text": "pump seals"}
    refused = client.post("/annotations/new", data=form)
    assert refused.status_code == 401 and "Log in to record maintenance annotations" in refused.text
    _login(client, "vera")
    assert 'id="annotation-form"' not in client.get("/annotations").text
    viewer = client.post("/annotations/new", data={**form, "form_token": "x"})
    assert viewer.status_code == 403 and "vera is viewer" in viewer.text and "operator role" in viewer.text
    client.post("/logout")
    _login(client, "otto")
    forged = client.post("/annotations/new", data={**form, "form_token": "forged"})
    assert forged.status_code == 403 and "reload the page" in forged.text
    assert mongo_db.instrument_annotation.count_documents({}) == 0


@pytest.mark.parametrize(("form", "message"), [
    ({"instrument": "orbi9", "kind": "maintenance"}, "instrument &#39;orbi9&#39; is not configured; known: bruker1, thermo1"),
    ({"instrument": "thermo1", "kind": "repair"}, "kind &#39;repair&#39; is not one of column_change"),
    ({"instrument": "thermo1", "kind": "note", "text": "  "}, "a note needs its text"),
    ({"instrument": "thermo1", "kind": "maintenance", "occurred_at": "yesterday"},
     "time &#39;yesterday&#39; is not a date and time such as 2026-03-01T14:30 (UTC)"),
    ({"instrument": "thermo1", "kind": "maintenance", "occurred_at": "2099-01-01T00:00"},
     "is in the future; enter when the event happened"),
    ({"instrument": "thermo1", "kind": "maintenance", "text": "x" * 2001}, "the text has 2001 characters; at most 2000"),
])
def test_bad_input_is_refused_beside_the_form_with_what_to_change(client, mongo_db, form, message):
    token = _login(client, "otto")
    response = client.post("/annotations/new", data={**form, "form_token": token})
    assert response.status_code == 400
    assert message in response.text and 'id="problems"' in response.text
    assert 'id="annotation-form"' in response.text  # the form again, with what was entered
    assert mongo_db.instrument_annotation.count_documents({}) == 0


def _judged_series(db, values, names=None) -> list[str]:
    start = datetime.now(UTC) - timedelta(days=2)
    ids = []
    for i, value in enumerate(values):
        rid = (names or {}).get(i) or f"20260302_thermo1_HeLa_{i:02d}.raw"
        raw_file = {"_id": rid, "original_name": rid, "instrument_id": "thermo1",
                    "created_at": start + timedelta(hours=i)}
        judge_raw_file(db, QC, raw_file, [{"raw_file": rid, "settings_name": "hela_std", "settings_version": 1,
                                           "precursors": value}])
        ids.append(rid)
    return ids


def test_the_control_chart_shows_the_series_status_and_embeds_its_figure_safely(client, mongo_db):
    _judged_series(mongo_db, [49000, 49000, 50000, 51000, 51000, 50300, 46500], names={6: HOSTILE})
    page = client.get("/control_chart").text
    status = re.search(r'<section class="qc-status[^"]*" id="series-status" data-state="([a-z_]+)">(.*?)</section>',
                       page, re.S)
    assert status.group(1) == "out_of_control"
    assert "hela (hela_std v1) on thermo1:" in status.group(2) and "precursors 1-3s" in status.group(2)
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in status.group(2)

    data = re.search(r'<script type="application/json" data-plot="control-chart">(.*?)</script>', page, re.S).group(1)
    assert "</" not in data and "<script" not in data  # the hostile name cannot end the element
    figure = json.loads(data)
    [violated] = [t for t in figure["data"] if t.get("name") == "out of control"]
    assert violated["text"] == ["1-3s"]
    assert violated["customdata"][0][0] == "/raw_files/" + "20260302_thermo1_HeLa_%3C%2Fscript%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E.raw"
    assert violated["customdata"][0][1] == "20260302_thermo1_HeLa_&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;.raw"
    assert "beyond 3 SD" in violated["customdata"][0][4]
    assert {t["name"] for t in figure["data"]} >= {"mean", "1 SD", "2 SD", "3 SD", "baseline", "in control"}


def test_a_resetting_annotation_starts_a_new_baseline_on_the_chart(client, mongo_db):
    ids = _judged_series(mongo_db, [49000, 49000, 50000, 51000, 51000, 50300])
    token = _login(client, "otto")
    when = datetime.now(UTC) - timedelta(days=2) + timedelta(hours=5, minutes=30)
    client.post("/annotations/new", data={"instrument": "thermo1", "kind": "column_change", "form_token": token,
                                          "occurred_at": when.strftime("%Y-%m-%dT%H:%M")})
    later = [40000 + 100 * (i % 3) for i in range(6)]
    start = datetime.now(UTC) - timedelta(days=2) + timedelta(hours=6)
    for i, value in enumerate(later):
        rid = f"20260302_thermo1_HeLa_new_{i:02d}.raw"
        judge_raw_file(mongo_db, QC, {"_id": rid, "original_name": rid, "instrument_id": "thermo1",
                                      "created_at": start + timedelta(hours=i)},
                       [{"raw_file": rid, "settings_name": "hela_std", "settings_version": 1, "precursors": value}])
    page = client.get("/control_chart?cusum=1").text
    figure = json.loads(re.search(r'data-plot="control-chart">(.*?)</script>', page, re.S).group(1))
    means = sorted(round(t["y"][0]) for t in figure["data"] if t.get("name") == "mean")
    assert means == [40080, 50000]  # two segments, two baselines
    [label] = figure["layout"]["annotations"]
    assert label["text"] == "column change · new baseline"
    assert any(t.get("yaxis") == "y2" and t["name"] == "CUSUM C+" for t in figure["data"])
    assert 'data-state="in_control"' in page and ids[0] in page
