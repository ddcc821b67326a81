"""The companion app in a real browser (Debian chromium via Playwright) over a seeded record."""

from __future__ import annotations

import csv
import re
from urllib.parse import quote
from datetime import UTC, datetime, timedelta

from kraken_core.statuses import RawFileStatus


def _row_count(page) -> int:
    return int(re.match(r"\s*(\d+) raw file", page.locator("#row-count").inner_text()).group(1))


def test_overview_shows_recent_files_and_filters_narrow_the_table(page, companion, record_db, screenshots):
    base, _, _ = companion
    page.goto(f"{base}/overview")
    total = _row_count(page)
    since = datetime.now(UTC) - timedelta(days=2)
    assert total == len(list(record_db.raw_file.find({"created_at": {"$gte": since}}, {"_id": 1}))) > 0
    assert page.locator("#overview-table tbody tr").count() == min(total, 200)
    assert page.locator("#overview-table .badge.st-done").count() > 0
    assert page.locator("#overview-table td.metric[style*='background']").count() > 0
    page.screenshot(path=str(screenshots / "overview.png"), full_page=False)

    with page.expect_navigation():
        page.select_option("select[name=instrument]", "thermo1")
    narrowed = _row_count(page)
    assert 0 < narrowed < total
    instruments = page.locator("#overview-table tbody tr td:nth-child(2)").all_inner_texts()
    assert set(instruments) == {"thermo1"}

    page.fill("input[name=filter]", "HeLa_QC")
    with page.expect_navigation():
        page.click("#overview-filters button[type=submit]")
    names = page.locator("#overview-table tbody td.name").all_inner_texts()
    assert names and all("HeLa_QC" in n and "thermo1" in n for n in names)
    assert _row_count(page) < narrowed


def test_status_filter_and_metric_sorting(page, companion):
    base, _, _ = companion
    page.goto(f"{base}/overview?age=3&status=unfinished")
    statuses = set(page.locator("#overview-table .badge").all_inner_texts())
    assert statuses and statuses <= {str(s) for s in RawFileStatus if s != "done"} - {"done_not_quanted"}
    etas = page.locator("#overview-table tbody tr td:nth-child(7)").all_inner_texts()
    assert any(t.startswith(("ETA", "overdue")) for t in etas)

    page.goto(f"{base}/overview?age=3&status=done")
    with page.expect_navigation():
        page.click("th a.sort:has-text('Proteins')")
    column = [i for i, h in enumerate(page.locator("#overview-table thead th").all_inner_texts()) if "Proteins" in h][0]
    values = [float(v) for v in page.locator(f"#overview-table tbody td:nth-child({column + 1})").all_inner_texts() if v]
    assert len(values) > 10 and values == sorted(values, reverse=True)
    # documents with AlphaDIA's column names (optimization.ms1_error, raw.gradient_length_m) fill the same columns
    headers = page.locator("#overview-table thead th").all_inner_texts()
    for label in ("MS1 error", "Gradient"):
        index = [i for i, h in enumerate(headers) if label in h][0]
        cells = page.locator(f"#overview-table tbody td:nth-child({index + 1})").all_inner_texts()
        assert len([c for c in cells if c]) == len(values)


def test_csv_download_contains_the_filtered_rows(page, companion, tmp_path):
    base, _, _ = companion
    page.goto(f"{base}/overview?instrument=bruker1&age=3")
    shown = _row_count(page)
    with page.expect_download() as info:
        page.click("#csv-download")
    path = tmp_path / "rows.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == shown
    assert {r["instrument"] for r in rows} == {"bruker1"}
    assert any(r["proteins"] for r in rows)
    assert rows[0]["dagster_url"].startswith("http://127.0.0.1:3300/assets/raw_file?")


def test_rows_link_to_their_dagster_partition_and_companion_page(page, companion, record_db, screenshots):
    base, _, _ = companion
    page.goto(f"{base}/overview?status=done")
    first = page.locator("#overview-table tbody tr").first
    raw_file_id = first.get_attribute("data-raw-file")
    href = first.locator("a.dagster-link").get_attribute("href")
    assert href.startswith("http://127.0.0.1:3300/assets/raw_file?view=partitions&partition=")
    assert href.endswith(quote(raw_file_id, safe=""))
    with page.expect_navigation():
        first.locator("td.name a").click()
    assert page.locator("h1").inner_text() == raw_file_id
    assert page.locator("a:has-text('raw_file partition in Dagster')").count() == 1
    page.screenshot(path=str(screenshots / "raw_file.png"), full_page=True)


def test_trends_plot_renders_with_median_and_baseline(page, companion, record_db, screenshots):
    base, _, _ = companion
    baseline = [m["raw_file"] for m in record_db.metrics.find({}, {"raw_file": 1}) if "_thermo1_" in m["raw_file"]][:5]
    page.goto(f"{base}/trends?metric=precursors&days=14&baseline={','.join(baseline)}")
    panels = page.locator("#plots figure.panel")
    assert panels.count() == 3
    for i in range(3):  # plotly.js draws each panel: points, the daily median line, the baseline band
        panels.nth(i).locator(".plotly-plot[data-drawn=true] .scatterlayer").wait_for(timeout=20_000)
        assert panels.nth(i).locator(".scatterlayer path.point").count() > 50
        assert panels.nth(i).locator(".scatterlayer .trace.scatter .js-line").count() == 1
    # the band belongs to the baseline's instrument
    bands = page.evaluate("() => [...document.querySelectorAll('#plots .plotly-plot')].map(p => "
                          "[p.closest('figure').dataset.instrument, (p.layout.shapes || []).filter(s => s.name === 'baseline').length])")
    assert dict(bands) == {"thermo1": 1, "bruker1": 0, "sciex1": 0}
    assert "5 raw file(s)" in page.locator("#baseline-summary").inner_text()
    page.screenshot(path=str(screenshots / "trends.png"), full_page=True)

    with page.expect_navigation():
        page.select_option("select[name=colour_by]", "project")
    legend = page.locator("p.legend").inner_text()
    assert "PRJ1" in legend and "HELA" in legend
    with page.expect_navigation():
        page.select_option("select[name=metric]", "fwhm_rt")
    assert "FWHM RT" in page.locator("#plots figure").first.inner_text()


def test_status_page_shows_heartbeats_disk_and_throughput(page, companion, record_db, screenshots):
    base, _, _ = companion
    now = datetime.now(UTC)  # heartbeats as they stand when the page loads: just now, 5 minutes ago
    record_db.kraken_status.update_one({"_id": "thermo1"}, {"$set": {"updated_at_": now}})
    record_db.kraken_status.update_one({"_id": "bruker1"}, {"$set": {"updated_at_": now - timedelta(minutes=5)}})
    page.goto(f"{base}/status")
    assert page.locator("tr[data-entity=thermo1] .badge").get_attribute("class").endswith("age-fresh")
    assert page.locator("tr[data-entity=bruker1] .badge").get_attribute("class").endswith("age-late")
    assert page.locator("tr[data-entity=sciex1] .badge").get_attribute("class").endswith("age-stale")
    assert "812.4" in page.locator("tr[data-entity=thermo1]").inner_text()
    assert page.locator("tr[data-entity=backup]").count() == 1
    waiting = sum(int(t) for t in page.locator("#status-table tbody td.num").all_inner_texts()
                  if t.strip().isdigit() and "." not in t)
    assert waiting > 0
    assert page.locator(".charts figure svg rect").count() > 10
    page.screenshot(path=str(screenshots / "status.png"), full_page=True)


def test_unauthenticated_write_is_refused(page, companion, record_db):
    base, _, _ = companion
    response = page.request.post(f"{base}/projects/new", form={"project_id": "NOLOGIN", "name": "x"})
    assert response.status == 401
    assert "Log in" in response.text()
    assert record_db.project.count_documents({"_id": "NOLOGIN"}) == 0
    # the page does not offer what the server would refuse: the forms are shown locked, saying what unlocks them
    page.goto(f"{base}/projects")
    for form in ("#new-project", "#new-settings", "#new-assignment"):
        assert page.locator(f"{form} button[type=submit]").is_disabled()
        assert "log in as an admin to change this" in page.locator(f"{form} [data-locked]").inner_text()
    assert page.locator("#new-project input[name=project_id]").is_disabled()


def test_logged_in_user_creates_project_and_assigns_settings(page, companion, record_db, screenshots):
    base, user, password = companion
    page.goto(f"{base}/login?next=/projects")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():
        page.click("#login-form button")
    assert "wrong password" in page.locator("#login-error").inner_text()
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("#login-form button")
    page.wait_for_url(f"{base}/projects")

    page.fill("#new-project input[name=project_id]", "bad_id")  # '_' would split the file-name token
    page.fill("#new-project input[name=name]", "Astral plasma")
    page.evaluate("document.querySelector('#new-project input[name=project_id]').removeAttribute('pattern')")
    with page.expect_navigation():
        page.click("#new-project button[type=submit]")
    assert "project id: expected 1-16 letters or digits" in page.locator("#problems").inner_text()

    page.fill("#new-project input[name=project_id]", "ASTRAL")
    page.fill("#new-project input[name=name]", "Astral plasma")
    with page.expect_navigation():
        page.click("#new-project button[type=submit]")
    assert "project ASTRAL created" in page.locator("#flash").inner_text()

    for _ in range(2):
        page.fill("#new-settings input[name=name]", "plasma_dia")
        page.fill("#new-settings input[name=software]", "alphadia-2.3.0")
        page.fill("#new-settings input[name=speclib_file_name]", "plasma.speclib.hdf")
        with page.expect_navigation():
            page.click("#new-settings button[type=submit]")
    assert "settings plasma_dia version 2 created" in page.locator("#flash").inner_text()

    page.select_option("#new-assignment select[name=project_id]", "ASTRAL")
    page.select_option("#new-assignment select[name=settings_id]", "plasma_dia-v2")
    page.select_option("#scope-type", "vendor")
    page.select_option("#new-assignment select[name=scope_vendor]", "thermo")
    page.fill("#new-assignment input[name=raw_file_id_filter]", "_plasma_")
    with page.expect_navigation():
        page.click("#new-assignment button[type=submit]")
    assert "plasma_dia-v2 assigned to project ASTRAL for thermo" in page.locator("#flash").inner_text()

    assignment = record_db.project_settings.find_one({"project": "ASTRAL"})
    plasma_v2 = record_db.settings.find_one({"name": "plasma_dia", "version": 2})
    assert assignment["settings"] == plasma_v2["_id"]  # AlphaKraken's shape: the version's ObjectId
    assert assignment["scope"] == "thermo" and assignment["raw_file_id_filter"] == "_plasma_"
    assert assignment["created_by"] == user
    assert record_db.project.find_one({"_id": "ASTRAL"})["name"] == "Astral plasma"

    with page.expect_navigation():
        page.select_option("#preview-form select[name=preview_project]", "ASTRAL")
    assert "plasma_dia v2" in page.locator("#preview-table tr[data-instrument=thermo1]").inner_text()
    assert "none" in page.locator("#preview-table tr[data-instrument=bruker1]").inner_text()
    page.screenshot(path=str(screenshots / "projects.png"), full_page=True)

    with page.expect_navigation():
        page.click("tr[data-settings='plasma_dia-v2'] button:has-text('make inactive')")
    assert "plasma_dia-v2 made inactive" in page.locator("#flash").inner_text()
    assert record_db.settings.find_one({"_id": plasma_v2["_id"]})["status"] == "inactive"
    assert "none" in page.locator("#preview-table tr[data-instrument=thermo1]").inner_text()


def test_pages_load_nothing_from_outside_the_app(page, companion):
    base, _, _ = companion
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/overview", "/trends", "/status", "/projects"):
        page.goto(f"{base}{path}")
    assert requested and all(url.startswith(base) for url in requested)
    assert any(url.endswith("/static/companion.css") for url in requested)
