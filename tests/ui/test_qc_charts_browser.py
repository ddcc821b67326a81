"""Control charts, interactive trends and maintenance annotations in a real browser (Debian chromium): a QC series
judged as the check judges it, its 1-3s violation on the chart, hover and click on points, an annotation recorded
through the form drawn on the trend, and no console errors (nor script from a hostile raw file name)."""

from __future__ import annotations

import secrets
from urllib.parse import unquote

import pytest

from tests.support.companion_process import envs_with_qc, running_companion
from tests.support.qc_record import HOSTILE_PART, QC_SERIES, seed_qc_series

OPERATOR = "otto"


@pytest.fixture(scope="module")
def qc_app(record_db, services, tmp_path_factory):
    """The companion with the QC series configured, over the seeded record plus a judged series on thermo1."""
    from kraken_core.record.accounts import add_account

    files = seed_qc_series(record_db)
    password = secrets.token_urlsafe(12)
    add_account(record_db, OPERATOR, "operator", password)
    folder = tmp_path_factory.mktemp("qc_mounts")
    envs = envs_with_qc(folder, QC_SERIES)
    with running_companion(services, record_db.name, folder, {"KRAKEN_ENVS_DIR": str(envs)}) as base:
        yield base, password, files


@pytest.fixture
def watched(page):
    """The page, with every console error, uncaught exception and dialog (an injected alert) collected."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))

    def dialog(d):
        problems.append(f"dialog: {d.message}")
        d.dismiss()
    page.on("dialog", dialog)
    yield page, problems


def _drawn(page, plot_id: str) -> None:
    page.wait_for_selector(f"#{plot_id}[data-drawn=true] .scatterlayer", timeout=20_000)


def _point_of_trace(page, plot_id: str, trace_name: str, index: int = -1) -> dict:
    """The centre of a drawn point (plotly's SVG marker) of the named trace, in page coordinates."""
    trace = page.evaluate("([id, name]) => document.getElementById(id).data.findIndex(t => t.name === name)",
                          [plot_id, trace_name])
    assert trace >= 0, f"no trace {trace_name} on {plot_id}"
    traces = page.locator(f"#{plot_id} .scatterlayer .trace")
    point = traces.nth(trace).locator("path.point")
    box = (point.nth(index) if index >= 0 else point.last).bounding_box()
    return {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}


def test_a_rule_violation_is_drawn_on_the_control_chart_and_hover_and_click_reach_the_raw_file(watched, qc_app):
    page, problems = watched
    base, _, files = qc_app
    page.goto(f"{base}/control_chart?instrument=thermo1")
    _drawn(page, "control-chart")
    status = page.locator("#series-status")
    assert status.get_attribute("data-state") == "out_of_control"
    assert "out of control (precursors 1-3s" in status.inner_text()
    assert files.violated in status.inner_text()

    # the violated point is marked with its rule; the new baseline starts at the column change
    page.screenshot(path="/tmp/h3/chart.png")
    assert page.locator("#control-chart .scatterlayer .trace text").all_text_contents()[-1].startswith("1-3s")
    labels = page.locator("#control-chart .annotation-text").all_text_contents()
    assert labels == ["column change · new baseline"]
    means = page.evaluate("() => document.getElementById('control-chart').data"
                          ".filter(t => t.name === 'mean').map(t => t.y[0])")
    assert len(means) == 2 and abs(means[0] - 52000) < 700 and abs(means[1] - 48000) < 700

    point = _point_of_trace(page, "control-chart", "out of control")
    page.mouse.move(point["x"], point["y"])
    hover = page.locator("#control-chart .hoverlayer .hovertext")
    hover.wait_for(timeout=5000)
    text = hover.text_content()
    assert files.violated in text and "1-3s (beyond 3 SD)" in text and "hela_std v1" in text
    page.screenshot(path="/tmp/h3/chart-hover.png")

    with page.expect_navigation():
        page.mouse.click(point["x"], point["y"])
    assert unquote(page.url).endswith(f"/raw_files/{files.violated}")
    assert page.locator("h1").inner_text() == files.violated
    assert problems == []


def test_hover_over_a_hostile_raw_file_name_shows_it_as_text(watched, qc_app):
    page, problems = watched
    base, _, files = qc_app
    page.goto(f"{base}/control_chart?instrument=thermo1&x=sequence&cusum=1")
    _drawn(page, "control-chart")
    point = _point_of_trace(page, "control-chart", "baseline", index=5)
    page.mouse.move(point["x"], point["y"])
    hover = page.locator("#control-chart .hoverlayer .hovertext")
    hover.wait_for(timeout=5000)
    assert HOSTILE_PART in hover.text_content() and files.hostile in hover.text_content()
    assert page.locator("#control-chart img").count() == 0
    assert page.evaluate("() => document.getElementById('control-chart').data.some(t => t.yaxis === 'y2')")
    assert problems == []


def test_an_annotation_recorded_through_the_form_appears_on_the_trend(watched, qc_app):
    page, problems = watched
    base, password, _ = qc_app
    page.goto(f"{base}/login?next=/annotations")
    page.fill("input[name=user]", OPERATOR)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("#login-form button")
    page.select_option("#annotation-form select[name=instrument]", "bruker1")
    page.select_option("#annotation-form select[name=kind]", "source_cleaning")
    page.fill("#annotation-form input[name=occurred_at]", "")  # empty: now
    page.fill("#annotation-form input[name=text]", "cleaned the ion transfer tube")
    with page.expect_navigation():
        page.click("#annotation-form button")
    assert "source_cleaning on bruker1" in page.locator("#flash").inner_text()
    assert "cleaned the ion transfer tube" in page.locator("#annotations-table").inner_text()

    page.goto(f"{base}/trends?metric=precursors&days=14")
    for plot in page.locator("#plots .plotly-plot").all():
        _drawn(page, plot.get_attribute("id"))
    bruker = page.locator("#plots figure[data-instrument=bruker1]")
    assert bruker.locator(".annotation-text").all_text_contents() == ["source cleaning"]
    thermo = page.locator("#plots figure[data-instrument=thermo1]")
    assert thermo.locator(".annotation-text").all_text_contents() == ["column change · new baseline"]
    assert page.locator("#plots figure[data-instrument=sciex1] .annotation-text").count() == 0
    label = bruker.locator(".annotation-text").first.bounding_box()
    page.mouse.move(label["x"] + label["width"] / 2, label["y"] + label["height"] / 2)
    hover = bruker.locator(".hoverlayer .hovertext")
    hover.wait_for(timeout=5000)
    assert "cleaned the ion transfer tube (otto)" in hover.text_content()
    assert problems == []


def test_trend_points_hover_with_their_columns_and_open_their_raw_file(watched, qc_app, record_db):
    page, problems = watched
    base, _, files = qc_app
    page.goto(f"{base}/trends?metric=precursors&days=14&instrument=thermo1&colour_by=status&x=sequence&trend=rolling")
    plot = page.locator("#plots .plotly-plot").first
    _drawn(page, plot.get_attribute("id"))
    names = page.evaluate("(id) => document.getElementById(id).data.map(t => t.name)", plot.get_attribute("id"))
    assert "done" in names and names[-1] == "rolling median"
    assert page.locator("#plots svg circle").count() == 0  # the fallback is replaced by the interactive plot
    point = _point_of_trace(page, plot.get_attribute("id"), "done")
    page.mouse.move(point["x"], point["y"])
    hover = plot.locator(".hoverlayer .hovertext")
    hover.wait_for(timeout=5000)
    newest_done = [n for n in (d["_id"] for d in record_db.raw_file.find(
        {"instrument_id": "thermo1", "status": "done"}, {"_id": 1}).sort("created_at", -1).limit(1))][0]
    assert newest_done in hover.text_content() and "status done" in hover.text_content()
    with page.expect_navigation():
        page.mouse.click(point["x"], point["y"])
    assert unquote(page.url).endswith(f"/raw_files/{newest_done}")
    assert problems == []
