"""The overview's filter language, metric columns and bookmarkable URLs, the status page's time in status, and
configured projects, over HTTP (in-process app, real test MongoDB server)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from starlette.testclient import TestClient

from kraken_core.record.connection import MongoSettings
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.record_views import format_duration
from kraken_ui_ext.companion.settings import CompanionSettings

NOW = datetime.now(UTC)


def _raw_file(name, instrument, status, minutes_ago, **fields):
    created = NOW - timedelta(minutes=minutes_ago)
    return {"_id": name, "original_name": name, "instrument_id": instrument, "project_id": fields.pop("project", "P1"),
            "status": status, "status_details": fields.pop("details", None), "size": fields.pop("size", 2_000_000_000),
            "created_at": created, "created_at_": created,
            "updated_at_": fields.pop("updated_at_", created + timedelta(minutes=40)), **fields}


RAW_FILES = [
    _raw_file("20261130_astral1_P1_HeLa_5ng_01.raw", "astral1", "done", 300),
    _raw_file("20261130_astral1_P1_HeLa_5ng_02.raw", "astral1", "done", 240),
    _raw_file("20261130_astral1_P1_plasma_03.raw", "astral1", "done_not_quanted", 200),
    _raw_file("20261130_tims1_P2_HeLa_04.d", "tims1", "quanting_failed", 180, project="P2",
              details="TOO_FEW_PSM: alphadia found too few PSMs"),
    _raw_file("20261130_tims1_P2_HeLa_05.d", "tims1", "quanting", 250, project="P2",
              updated_at_=NOW - timedelta(hours=4)),
    _raw_file("20261130_astral1_P1_HeLa_06.raw", "astral1", "quanting", 30, updated_at_=NOW - timedelta(minutes=10)),
    _raw_file("20261130_astral1_P1_HeLa_07.raw", "astral1", "copying", 5, updated_at_=NOW - timedelta(seconds=20)),
]
METRICS = [
    {"raw_file": RAW_FILES[0]["_id"], "proteins": 6200, "precursors": 52000, "ms1_error": 2.5, "ms2_scans": 41000,
     "settings_name": "hela", "settings_version": 2, "created_at_": NOW - timedelta(minutes=250)},
    {"raw_file": RAW_FILES[1]["_id"], "proteins": 5900, "precursors": 61000, "optimization.ms1_error": 3.5,
     "settings_name": "hela", "settings_version": 2, "created_at_": NOW - timedelta(minutes=200)},
]


def _now_relative(doc: dict) -> dict:
    """The document with its times moved by the time since import, so ages are as written when the test runs."""
    shift = datetime.now(UTC) - NOW
    return {k: v + shift if isinstance(v, datetime) else v for k, v in doc.items()}


@pytest.fixture
def client(mongo_db):
    mongo_db.raw_file.insert_many([_now_relative(d) for d in RAW_FILES])
    mongo_db.metrics.insert_many([_now_relative(m) for m in METRICS])
    mongo_db.project.insert_one({"_id": "P1", "name": "Plasma", "description": "", "created_at_": NOW})
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"astral1": "thermo", "tims1": "bruker"},
                                 project_ids=("P1", "P9"))
    return TestClient(build_app(settings, mongo_db))


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-raw-file="([^"]+)"', page)


def headers(page: str) -> list[str]:
    head = page.split('<table class="data" id="overview-table">')[1].split("</thead>")[0]
    return [re.sub(r"<[^>]+>|[▼▲]", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


def view_link(page: str) -> str:
    return unescape(re.search(r'href="([^"]+)" id="view-link"', page).group(1))


def test_the_filter_narrows_the_rows_and_its_url_shows_them_again(client):
    page = client.get("/overview", params={"filter": "astral1 & !plasma & status=^done$"}).text
    assert rows(page) == [RAW_FILES[1]["_id"], RAW_FILES[0]["_id"]]
    again = client.get(view_link(page)).text
    assert rows(again) == rows(page) and headers(again) == headers(page)


def test_metric_ranges_and_every_name_of_a_metric_filter_on_the_metrics(client):
    assert rows(client.get("/overview", params={"filter": "precursors=[40000,60000]"}).text) == [RAW_FILES[0]["_id"]]
    # AlphaKraken's webapp name, AlphaKraken's record name: the same metric in old and new documents
    for name in ("ms1_error", "optimization:ms1_error"):
        found = rows(client.get("/overview", params={"filter": f"{name}=[3,4]"}).text)
        assert found == [RAW_FILES[1]["_id"]], name
    outside = rows(client.get("/overview", params={"filter": "!proteins=[6000,7000] & hela"}).text)
    assert RAW_FILES[0]["_id"] not in outside and RAW_FILES[1]["_id"] in outside and RAW_FILES[3]["_id"] in outside


def test_an_alphakraken_bookmark_opens_the_same_view(client):
    page = client.get("/overview?filter=tims1_AND_status_IS_failed&max_age=1").text
    assert rows(page) == [RAW_FILES[3]["_id"]]
    assert 'value="tims1 &amp; status=failed"' in page


def test_a_bad_filter_names_the_bad_part_and_the_rest_still_applies(client):
    response = client.get("/overview", params={"filter": "tims1 & staus=done & proteins=[9,1] & (unclosed"})
    assert response.status_code == 200
    problems = response.text.split('id="filter-problems"')[1].split("</div>")[0]
    assert "unknown column &#39;staus&#39;" in problems
    assert "the low end 9 is above the high end 1" in problems and "not a valid regular expression" in problems
    assert sorted(rows(response.text)) == sorted(d["_id"] for d in RAW_FILES if d["instrument_id"] == "tims1")


def test_the_column_picker_shows_any_metric_and_links_keep_the_choice(client):
    default = headers(client.get("/overview").text)
    assert "Proteins" in default and "Precursors" in default and "MS2 scans" not in default
    page = client.get("/overview?picker=1&col=ms2_scans&col=proteins&filter=hela").text
    shown = headers(page)
    assert "MS2 scans" in shown and "Proteins" in shown and "Precursors" not in shown
    assert shown.index("MS2 scans") < shown.index("Proteins")
    assert "41000" in page
    sort_link = unescape(re.search(r'href="([^"]+)"\s+class="sort ">Raw file', page).group(1))
    assert "cols=ms2_scans%2Cproteins" in sort_link and "filter=hela" in sort_link
    assert headers(client.get(sort_link).text) == shown
    assert headers(client.get(view_link(page)).text) == shown
    nothing = headers(client.get("/overview?picker=1").text)
    assert "Proteins" not in nothing and "Raw file" in nothing


def test_sorting_by_a_picked_metric_and_the_csv_follow_the_view(client):
    page = client.get("/overview", params={"cols": "precursors", "sort": "precursors", "filter": "hela"}).text
    assert rows(page)[:2] == [RAW_FILES[1]["_id"], RAW_FILES[0]["_id"]]
    download = client.get("/overview.csv", params={"cols": "ms2_scans", "filter": "status=^done$"})
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted(r["raw_file"] for r in table) == sorted([RAW_FILES[0]["_id"], RAW_FILES[1]["_id"]])
    assert "ms2_scans" in table[0] and "proteins" not in table[0]


def test_the_status_page_shows_how_long_files_have_been_in_each_status(client):
    page = client.get("/status").text
    table = page.split('id="time-in-status"')[1].split("</table>")[0]
    quanting = table.split('data-status="quanting"')[1].split("</tr>")[0]
    assert re.search(r'<td class="num">2</td>', quanting)
    assert re.search(r'age-stale">4 h 0\d min', quanting) and RAW_FILES[4]["_id"] in quanting
    assert re.search(r"2 h 0\d min", quanting)  # the median of 4 h and 10 min
    assert re.search(r'astral1 <span class="badge age-fresh">1\d min', quanting)
    copying = table.split('data-status="copying"')[1].split("</tr>")[0]
    assert "&lt; 1 min" in copying
    assert 'data-status="done"' not in table


def test_configured_projects_are_in_the_project_filter_and_on_the_projects_page(client):
    overview = client.get("/overview").text
    choices = overview.split('name="project"')[1].split("</select>")[0]
    assert '<option value="P9"' in choices and '<option value="P1"' in choices and '<option value="P2"' not in choices
    projects = client.get("/projects").text
    assert 'data-project="P9"' in projects and "from the configuration (project_ids)" in projects
    assignable = projects.split('<select name="project_id">')[1].split("</select>")[0]
    assert "P9" not in assignable and "P1" in assignable  # settings go to a project with a document


def test_durations_under_a_minute_read_as_less_than_a_minute():
    assert format_duration(timedelta(seconds=0)) == "< 1 min"
    assert format_duration(timedelta(seconds=59)) == "< 1 min"
    assert format_duration(timedelta(seconds=60)) == "1 min"
    assert format_duration(-timedelta(seconds=30)) == "< 1 min"


def test_the_configured_columns_are_the_default_and_stay_out_of_the_url(mongo_db, config):
    from kraken_core.config.companion import CompanionConfig
    from kraken_ui_ext.companion.settings import overview_columns

    configured = config.model_copy(update={"companion": CompanionConfig(overview_columns=["ms2_scans", "ms1_error"])})
    settings = CompanionSettings.from_environment(configured, {"MONGO_DB": mongo_db.name})
    assert settings.overview_columns == ("ms2_scans", "optimization:ms1_error")
    with pytest.raises(ValueError, match="companion.overview_columns: unknown metric 'protiens'"):
        overview_columns(["proteins", "protiens"])

    mongo_db.raw_file.insert_many([_now_relative(d) for d in RAW_FILES])
    mongo_db.metrics.insert_many([_now_relative(m) for m in METRICS])
    client = TestClient(build_app(settings, mongo_db))
    page = client.get("/overview").text
    assert [h for h in headers(page) if h.startswith(("MS", "Proteins"))] == ["MS2 scans", "MS1 error ppm"]
    assert "cols=" not in view_link(page)
    assert "Proteins" in headers(client.get("/overview?cols=proteins").text)
