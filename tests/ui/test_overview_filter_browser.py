"""The overview's filter language, column picker and width in a real browser (Debian chromium via Playwright)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from kraken_ui_ext.key_metrics import TREND_METRICS


def _rows(page) -> list[str]:
    return page.locator("#overview-table tbody tr[data-raw-file]").evaluate_all(
        "rows => rows.map(r => r.dataset.rawFile)")


def _headers(page) -> list[str]:
    return [h.strip(" ▼▲") for h in page.locator("#overview-table thead th").all_inner_texts()]


def _column(page, label: str) -> list[str]:
    index = next(i for i, h in enumerate(_headers(page)) if h.startswith(label))
    return page.locator(f"#overview-table tbody td:nth-child({index + 1})").all_inner_texts()


def test_a_filter_url_shows_the_same_rows_and_columns_after_a_reload(page, companion, screenshots):
    base, _, _ = companion
    page.goto(f"{base}/overview?age=7")
    page.fill("#filter-text", "thermo1 & !hela & status=^done$ & proteins=[6000,]")
    page.click("#column-picker summary")
    page.uncheck("#column-picker input[value=precursors]")
    page.check("#column-picker input[value=fwhm_mobility]")
    with page.expect_navigation():
        page.click("#overview-filters button[type=submit]")
    rows, headers = _rows(page), _headers(page)
    assert len(rows) > 3 and all("thermo1" in r and "hela" not in r.lower() for r in rows)
    assert all(float(v) >= 6000 for v in _column(page, "Proteins"))
    assert "FWHM mobility" in headers and "Precursors" not in headers
    page.set_viewport_size({"width": 1600, "height": 900})
    page.click("#column-picker summary")
    page.screenshot(path=str(screenshots / "overview_filter.png"), full_page=False)
    page.click("#column-picker summary")

    page.reload()
    assert _rows(page) == rows and _headers(page) == headers
    bookmark = page.locator("#view-link").get_attribute("href")
    params = parse_qs(urlparse(bookmark).query)
    assert params["filter"] == ["thermo1 & !hela & status=^done$ & proteins=[6000,]"]
    assert "fwhm_mobility" in params["cols"][0] and "precursors" not in params["cols"][0]
    page.goto(f"{base}{bookmark}")
    assert _rows(page) == rows and _headers(page) == headers


def test_the_column_picker_changes_the_columns_and_sorting_keeps_them(page, companion):
    base, _, _ = companion
    page.goto(f"{base}/overview?age=3")
    assert "Proteins" in _headers(page) and "MS2 scans" not in _headers(page)
    page.click("#column-picker summary")
    page.check("#column-picker input[value=time_elapsed]")
    page.uncheck("#column-picker input[value=proteins]")
    with page.expect_navigation():
        page.click("#overview-filters button[type=submit]")
    assert "Job time s" in _headers(page) and "Proteins" not in _headers(page)
    with page.expect_navigation():
        page.click("th a.sort:has-text('Precursors')")
    assert "Job time s" in _headers(page) and "Proteins" not in _headers(page)
    values = [float(v) for v in _column(page, "Precursors") if v]
    assert len(values) > 10 and values == sorted(values, reverse=True)


def test_a_bad_filter_says_which_part_and_keeps_the_page(page, companion):
    base, _, _ = companion
    page.goto(f"{base}/overview?age=3&filter=bruker1 %26 precursors=[high,1]")
    assert "the low end 'high' of the range is not a number" in page.locator("#filter-problems").inner_text()
    assert set(_column(page, "Instrument")) == {"bruker1"}


def test_the_overview_fits_a_1600_pixel_window_and_a_wide_table_scrolls_in_its_box(page, companion, record_db):
    base, _, _ = companion
    now = datetime.now(UTC)
    long_name = "20261130_thermo1_PRJ1_" + "a_long_sample_name_without_spaces_" * 6 + "01.raw"
    record_db.raw_file.insert_one({
        "_id": long_name, "original_name": long_name, "instrument_id": "thermo1", "project_id": "PRJ1",
        "status": "monitoring_acquisition", "status_details": "waiting " * 30, "size": 19_999_998,
        "created_at": now - timedelta(minutes=3), "created_at_": now, "updated_at_": now})
    page.set_viewport_size({"width": 1600, "height": 1000})

    def widths(selector: str) -> list[int]:
        return page.evaluate(f"() => {{ const e = document.querySelector('{selector}');"
                             f" return [e.scrollWidth, e.clientWidth]; }}")

    page.goto(f"{base}/overview?age=3")
    assert page.locator(f"tr[data-raw-file='{long_name}']").count() == 1
    page_width, window = widths("html")
    assert page_width <= window <= 1600
    table, box = widths(".table-wrap")
    assert table <= box, "the key metrics and the Dagster link fit without scrolling the table"

    every_column = ",".join(m.name for m in TREND_METRICS)
    page.goto(f"{base}/overview?age=3&cols={every_column}")
    page_width, window = widths("html")
    assert page_width <= window
    table, box = widths(".table-wrap")
    assert table > box  # every metric: the table scrolls inside its own box, the page does not
