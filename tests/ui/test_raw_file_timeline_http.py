"""The raw-file page over HTTP (in-process, on the test record server): a timeline of each step with its UTC time
and the Dagster run that did it, the full backup path, sizes in units, readable labels; links into Dagster only
where Dagster has the partition; forms shown locked to sessions without the role; the icon."""

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from kraken_core.record.connection import MongoSettings
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings

DAGSTER = "http://dagster:3000"
NOW = datetime.now(UTC).replace(microsecond=0)
NAME = "20261130_astral1_PRJ1_HeLa #5 50%+ü.raw"


def _at(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


def _steps(**runs: tuple[int, str | None]) -> dict:
    steps = {}
    for step, (minutes, run_id) in runs.items():
        [(key, entry)] = step_fields(Step(step), run_id, at=_at(minutes)).items()
        steps[key.split(".", 1)[1]] = entry
    return {"steps": steps}


def _raw_file(raw_file_id: str, status: str, **fields) -> dict:
    return {"_id": raw_file_id, "original_name": raw_file_id, "instrument_id": "astral1", "project_id": "PRJ1",
            "status": status, "status_details": None, "size": None, "file_info": {}, "backup_base_path": None,
            "backup_status": None, "instrument_file_status": "initial", "collision_flag": None,
            "created_at": _at(60), "created_at_": _at(59), "updated_at_": _at(1), **fields}


def quantified_raw_file() -> dict:
    jobs = [{"settings_name": "hela", "settings_version": 2, "job_id": "local-7", "state": "COMPLETED",
             "submitted_at": _at(40), "ended_at": _at(20), "output_path": "/out/PRJ1/x"}]
    return _raw_file(
        NAME, "done", size=19_999_998, backup_status="copying_done", backup_base_path="/backup/astral1/2026_11",
        file_info={NAME: [19_999_998, "0" * 32]}, quanting_jobs=jobs,
        **_steps(acquisition_finished=(55, None), checksummed=(50, "run-checksum-0001"),
                 backed_up=(45, "run-backup-00002"), quanting_submitted=(40, "run-submit-00003"),
                 quanting_finished=(20, "run-output-00004"), metrics_written=(19, "run-metrics-0005")))


@pytest.fixture
def client(mongo_db):
    mongo_db.raw_file.insert_many([
        quantified_raw_file(),
        _raw_file("acquiring.raw", "monitoring_acquisition", status_details="acquisition in progress"),
        _raw_file("watched_again.raw", "monitoring_acquisition", **_steps(acquisition_finished=(30, None))),
        _raw_file("copy_failed.raw", "error", size=2, backup_status="copying_failed", file_info={"copy_failed.raw": [2, "a"]},
                  status_details="backup failed for raw file copy_failed.raw (instrument astral1): disk full",
                  **_steps(acquisition_finished=(50, None), checksummed=(49, "run-checksum-0009"))),
    ])
    mongo_db.metrics.insert_one({"raw_file": NAME, "settings_name": "hela", "settings_version": 2,
                                 "proteins": 5100, "created_at_": _at(19)})
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url=DAGSTER,
                                 instrument_vendors={"astral1": "thermo"}, size_stable_window_s=180)
    return TestClient(build_app(settings, mongo_db), follow_redirects=False)


def _timeline_rows(page: str) -> dict[str, str]:
    body = page.split('id="timeline"', 1)[1].split("</table>", 1)[0]
    return {row.split('"', 1)[0]: row for row in body.split('<tr data-step="')[1:]}


def test_the_timeline_shows_each_step_with_its_utc_time_and_the_run_that_did_it(client):
    page = client.get(f"/raw_files/{quote(NAME)}").text
    rows = _timeline_rows(page)
    assert list(rows) == ["detected", "acquisition_finished", "checksummed", "backed_up", "quanting_submitted",
                          "quanting_finished", "metrics_written"]
    runs = {"checksummed": "run-checksum-0001", "backed_up": "run-backup-00002", "quanting_submitted": "run-submit-00003",
            "quanting_finished": "run-output-00004", "metrics_written": "run-metrics-0005"}
    for step, run_id in runs.items():
        assert "state-done" in rows[step] and " UTC" in rows[step], step
        assert f'href="{DAGSTER}/runs/{run_id}"' in rows[step], step
    assert f"{_at(45):%Y-%m-%d %H:%M:%S} UTC" in rows["backed_up"]
    assert "/backup/astral1/2026_11/20261130_astral1_PRJ1_HeLa #5 50%+ü.raw" in rows["backed_up"]  # the full path
    assert "19.1 MB in 1 file" in rows["checksummed"]
    assert "hela v2: job local-7 COMPLETED" in rows["quanting_submitted"]
    # the detection and the finish are the watcher's: a time, no run; the finish links the partition
    assert f"{_at(59):%Y-%m-%d %H:%M:%S} UTC" in rows["detected"] and "href" not in rows["detected"]
    partition = f"{DAGSTER}/assets/raw_file?view=partitions&amp;partition={quote(NAME, safe='')}"
    assert partition in rows["acquisition_finished"]


def test_the_record_reads_in_units_and_words(client):
    page = client.get(f"/raw_files/{quote(NAME)}").text
    record = page.split('id="record"', 1)[1].split("</table>", 1)[0]
    assert '<th>Size</th><td title="19,999,998 bytes">19.1 MB</td>' in record
    assert "<th>Record last changed</th>" in record and "updated_at_" not in record
    assert 'title="instrument_file_status: initial">where the instrument wrote it</td>' in record
    assert "copied and verified" in record and f"{_at(60):%Y-%m-%d %H:%M:%S} UTC" in record
    metrics = page.split('class="data facts metrics"', 1)[1].split("</table>", 1)[0]
    assert "<th>Settings version</th><td>2</td>" in metrics and "<th>proteins</th><td>5100</td>" in metrics
    files = page.split('id="files"', 1)[1].split("</table>", 1)[0]
    assert "19.1 MB" in files and "19,999,998" in files


def test_a_file_still_being_acquired_has_no_partition_link_and_says_when_it_counts_as_finished(client):
    page = client.get("/raw_files/acquiring.raw").text
    assert "/assets/raw_file" not in page
    assert "not yet in Dagster: its partition is added when the acquisition finishes" in page
    rule = page.split('id="finishing-rule">', 1)[1].split("</p>", 1)[0]
    assert "size has not changed for 180 s (3 min)" in rule and "next acquisition" in rule
    rows = _timeline_rows(page)
    assert "state-pending" in rows["acquisition_finished"] and "180 s" in rows["acquisition_finished"]
    assert all("state-pending" in rows[s] for s in list(rows)[2:])

    overview = client.get("/overview").text
    acquiring = overview.split('data-raw-file="acquiring.raw"', 1)[1].split("</tr>", 1)[0]
    assert "not yet in Dagster" in acquiring and "/assets/" not in acquiring
    # finished once (it has a partition) and being watched again after a change: the link stays
    again = overview.split('data-raw-file="watched_again.raw"', 1)[1].split("</tr>", 1)[0]
    assert f"{DAGSTER}/assets/raw_file?view=partitions&amp;partition=watched_again.raw" in again
    done = overview.split(f'data-raw-file="{NAME}"', 1)[1].split("</tr>", 1)[0]
    assert f"partition={quote(NAME, safe='')}" in done
    assert '<td class="num" title="19,999,998 bytes">19.1 MB</td>' in done and "Acquired (UTC)" in overview
    rows = {row["raw_file"]: row for row in csv.DictReader(io.StringIO(client.get("/overview.csv").text))}
    assert rows["acquiring.raw"]["dagster_url"] == "" and rows[NAME]["dagster_url"].startswith(f"{DAGSTER}/assets/")


def test_a_failed_step_shows_its_reason_and_later_steps_stay_pending(client):
    rows = _timeline_rows(client.get("/raw_files/copy_failed.raw").text)
    assert "state-done" in rows["checksummed"] and "2 B in 1 file" in rows["checksummed"]
    assert "state-failed" in rows["backed_up"] and "disk full" in rows["backed_up"]
    assert "raw_file_backup partition" in rows["backed_up"]  # no run recorded for it: its partition page
    assert "state-pending" in rows["quanting_submitted"]


def test_forms_are_shown_locked_to_a_session_without_the_role(client):
    projects = client.get("/projects").text
    for form in ("new-project", "new-settings", "new-assignment"):
        block = projects.split(f'id="{form}"', 1)[1].split("</form>", 1)[0]
        assert "log in</a> as an admin to change this" in block and '<fieldset class="plain" disabled>' in block
    page = client.get(f"/raw_files/{quote(NAME)}").text
    assert "requantify-form" not in page
    locked = page.split('id="requantify-locked"', 1)[1].split("</p>", 1)[0]
    assert "disabled" in locked and "as an operator to change this" in locked


def test_every_page_links_the_icon_and_it_is_served(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/overview").text
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = client.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.text.startswith("<svg")
