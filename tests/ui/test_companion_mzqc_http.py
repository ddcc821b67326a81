"""The companion's mzQC downloads over HTTP (in-process): a raw file's and a selection's document are valid mzQC
attachments, the raw-file page links its download, and requests that cannot be exported say why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from kraken_core.config.qc import QcConfig
from kraken_core.record.connection import MongoSettings
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from tests.support.mzqc import schema_errors

HELA = "20260302_thermo1_HeLa #1.raw"
QC = QcConfig.model_validate({"series": [{"name": "hela", "raw_file_pattern": "(?i)_hela", "metrics": ["proteins"],
                                          "rules": ["1-3s"]}]})


@pytest.fixture
def client(mongo_db):
    def raw_file(name, day, status="done"):
        return {"_id": name, "original_name": name, "instrument_id": "thermo1", "status": status,
                "created_at": datetime(2026, 3, day, 9, tzinfo=UTC)}

    mongo_db.raw_file.insert_many([raw_file(HELA, 2), raw_file("20260303_thermo1_sample.raw", 3),
                                   raw_file("20260304_thermo1_HeLa_2.raw", 4, status="quanting")])
    mongo_db.metrics.insert_many([
        {"raw_file": HELA, "settings_name": "hela_std", "settings_version": 1, "type": "alphadia",
         "proteins": 5000.0, "fwhm_rt": 2.5},
        {"raw_file": "20260303_thermo1_sample.raw", "settings_name": "std", "settings_version": 1,
         "type": "alphadia", "proteins": 7000.0},
    ])
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo", "bruker1": "bruker"}, qc=QC)
    return TestClient(build_app(settings, mongo_db), follow_redirects=False)


def _attachment(response, file_name: str) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == f'attachment; filename="{file_name}"'
    document = json.loads(response.text)
    assert schema_errors(document) == []
    return document


def test_a_raw_files_download_is_a_valid_mzqc_attachment_linked_from_its_page(client):
    page = client.get(f"/raw_files/{quote(HELA)}", headers={"X-Forwarded-Prefix": "/companion"})
    assert page.status_code == 200
    assert 'href="/companion/raw_files/20260302_thermo1_HeLa%20%231.raw/mzqc" id="mzqc-download"' in page.text
    document = _attachment(client.get("/raw_files/20260302_thermo1_HeLa%20%231.raw/mzqc"),
                           "20260302_thermo1_HeLa_1.raw.mzqc")
    [run] = document["mzQC"]["runQualities"]
    assert run["metadata"]["inputFiles"][0]["name"] == HELA
    assert {m["name"]: m["value"] for m in run["qualityMetrics"]} == {"number of identified protein groups": 5000,
                                                                      "fwhm_rt": 2.5}
    # a raw file without metrics has no link, and its download says why
    assert "mzqc-download" not in client.get("/raw_files/20260304_thermo1_HeLa_2.raw").text
    waiting = client.get("/raw_files/20260304_thermo1_HeLa_2.raw/mzqc")
    assert waiting.status_code == 404 and "has no metrics yet (status quanting)" in waiting.text
    unknown = client.get("/raw_files/nope.raw/mzqc")
    assert unknown.status_code == 404 and "&#39;nope.raw&#39; is not in the record" in unknown.text


def test_a_selection_downloads_by_instrument_series_and_dates(client):
    hela = _attachment(client.get("/mzqc", params={"instrument": "thermo1", "series": "hela", "since": "2026-03-01",
                                                   "until": "2026-03-31"}),
                       "alphakraken_thermo1_hela_2026-03-01_to_2026-03-31.mzqc")
    assert [q["metadata"]["inputFiles"][0]["name"] for q in hela["mzQC"]["runQualities"]] == [HELA]
    everything = _attachment(client.get("/mzqc"), "alphakraken_all-instruments.mzqc")
    assert len(everything["mzQC"]["runQualities"]) == 2
    after = _attachment(client.get("/mzqc?since=2026-03-03T00:00:00%2B00:00"),
                        "alphakraken_all-instruments_2026-03-03_to_now.mzqc")
    assert len(after["mzQC"]["runQualities"]) == 1


@pytest.mark.parametrize(("query", "status", "reason"), [
    ({"since": "tomorrow"}, 400, "since &#39;tomorrow&#39; is not a date or time"),
    ({"series": "helo"}, 400, "no QC series &#39;helo&#39; under qc.series (hela)"),
    ({"instrument": "orbi9"}, 400, "instrument &#39;orbi9&#39; is not configured (bruker1, thermo1)"),
    ({"instrument": "bruker1"}, 404, "none of the 0 raw files selected (instrument bruker1) has metrics"),
])
def test_a_selection_that_cannot_be_exported_says_why(client, query, status, reason):
    refused = client.get("/mzqc", params=query)
    assert refused.status_code == status and reason in refused.text
    assert "No mzQC export" in refused.text and "content-disposition" not in refused.headers
