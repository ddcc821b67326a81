"""The mzQC download in a real browser (Debian chromium) against the companion as operators start it, with a QC
series configured: the raw-file page's link downloads a valid mzQC file under the raw file's name, a hostile name
included, and a selection URL downloads the series' files."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest

from tests.support.companion_process import envs_with_qc, running_companion
from tests.support.mzqc import schema_errors

HELA = "20260302_thermo1_HeLa_01.raw"
HOSTILE = "20260303 thermo1 HeLa #2 50%+ü.raw"
SERIES = {"series": [{"name": "hela", "raw_file_pattern": "(?i)hela", "instruments": ["thermo1"],
                      "metrics": ["proteins"], "rules": ["1-3s"]}]}


@pytest.fixture(scope="module")
def record_db(mongo_client):
    """A small record of its own (this module needs three raw files, not the seeded four weeks)."""
    name = f"kt_mzqc_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    for day, raw_file in ((2, HELA), (3, HOSTILE), (4, "20260304_thermo1_sample.raw")):
        db.raw_file.insert_one({"_id": raw_file, "original_name": raw_file, "instrument_id": "thermo1",
                                "status": "done", "created_at": datetime(2026, 3, day, 9, tzinfo=UTC)})
        db.metrics.insert_one({"raw_file": raw_file, "settings_name": "std", "settings_version": 1,
                               "type": "alphadia", "proteins": 5000.0 + day, "fwhm_rt": 2.5})
    yield db
    mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def app(record_db, services, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mzqc_mounts")
    envs = envs_with_qc(folder, SERIES)
    with running_companion(services, record_db.name, folder, {"KRAKEN_ENVS_DIR": str(envs)}) as base:
        yield base


def _downloaded(download) -> dict:
    document = json.loads(open(download.path(), encoding="utf-8").read())
    assert schema_errors(document) == []
    return document


@pytest.mark.parametrize(("raw_file", "file_name"), [(HELA, f"{HELA}.mzqc"),
                                                     (HOSTILE, "20260303_thermo1_HeLa_2_50_.raw.mzqc")])
def test_the_raw_file_page_link_downloads_its_mzqc(app, page, raw_file, file_name):
    page.goto(f"{app}/raw_files/{quote(raw_file)}")
    with page.expect_download() as info:
        page.click("#mzqc-download")
    download = info.value
    assert download.suggested_filename == file_name
    [run] = _downloaded(download)["mzQC"]["runQualities"]
    assert run["metadata"]["inputFiles"][0]["name"] == raw_file
    assert {m["name"] for m in run["qualityMetrics"]} == {"number of identified protein groups", "fwhm_rt"}


def test_a_selection_url_downloads_the_series_files(app, page):
    query = urlencode({"series": "hela", "since": "2026-03-01", "until": "2026-03-31"})
    page.set_content(f'<a id="go" href="{app}/mzqc?{query}">download</a>')
    with page.expect_download() as info:
        page.click("#go")
    assert info.value.suggested_filename == "alphakraken_all-instruments_hela_2026-03-01_to_2026-03-31.mzqc"
    names = [q["metadata"]["inputFiles"][0]["name"] for q in _downloaded(info.value)["mzQC"]["runQualities"]]
    assert names == [HELA, HOSTILE]
