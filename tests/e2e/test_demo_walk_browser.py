"""A newcomer's first minutes with `make demo`, in Debian's chromium: started as a person starts it (its own session,
a temporary run folder, free ports), within a few minutes a simulated acquisition reaches `done` with metrics; the
companion's overview shows it with its metrics, its page shows the timeline; every link from the companion into the
Dagster UI opens the page of that raw file (the partition selected is the raw file's, a run is the raw file's run);
no page logs a console error. Then TERM to the process group of make leaves nothing running and the ports free.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from urllib.parse import parse_qs, quote, unquote, urlparse

import pymongo
import pytest

from tests.support.platform import wait_for
from tests.support.run_platform import STARTED_PROCESSES, processes_of, start_instance
from tests.ui.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

MAKE_DEMO = ["make", "--no-print-directory", "-o", ".venv/.installed", "demo"]
DONE_WITHIN_S = 540  # from the UI answering to a raw file done with metrics: 6 min measured at a load average of 20
STOP_BOUND_S = 2 * 20 + 15


@pytest.fixture
def demo(tmp_path):
    run_dir = tmp_path / "run"
    instance = start_instance(MAKE_DEMO, run_dir, tmp_path / "demo.log",
                              wanted=(*STARTED_PROCESSES, "kraken_core.simulator"))
    yield instance
    if instance.process.poll() is None:
        os.killpg(instance.process.pid, signal.SIGKILL)
    for pid in processes_of(run_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def browser(services):
    from playwright.sync_api import sync_playwright

    executable = services.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not executable:
        pytest.fail("Debian chromium is not installed: start the test services with chromium in the list")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched.new_context(viewport={"width": 1600, "height": 1000})
        launched.close()


def a_done_raw_file_with_metrics(db) -> str | None:
    for doc in db.raw_file.find({"status": "done"}, {"_id": 1}).sort("created_at", pymongo.DESCENDING):
        if db.metrics.find_one({"raw_file": doc["_id"]}) is not None:
            return doc["_id"]
    return None


class ConsoleErrors:
    """Every console error and uncaught page error of a browser page, with the address it came from."""

    def __init__(self, page):
        self.seen: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.seen.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda e: self.seen.append(f"{page.url}: {e}"))


def dagster_page_shows(page, url: str, raw_file_id: str) -> None:
    """Open a Dagster UI address from the companion and check it is this raw file's page."""
    page.goto(url)
    query = parse_qs(urlparse(url).query)
    if urlparse(url).path in ("", "/"):  # the navigation's link to the Dagster UI itself
        wait_for(lambda: page.locator("text=Catalog").count() > 0, 90, f"the Dagster UI at {url}")
        return
    if "/runs/" in url:
        # a run page: its partition tag names the raw file
        wait_for(lambda: page.locator(f"text={raw_file_id}").count() > 0, 60, f"run page {url} to show {raw_file_id}")
        return
    assert query.get("partition") == [raw_file_id], url
    # the partitions view with a partition selected: the detail pane is headed by its key (for a key Dagster does
    # not know, it selects the first partition, another raw file, and this heading shows that one)
    heading = page.locator("[class*='Typography_size20'] [class*='MiddleTruncate_container']")
    wait_for(lambda: heading.count() > 0, 90, f"Dagster to show a selected partition at {url}")
    assert heading.first.get_attribute("title") == raw_file_id, url


def test_a_newcomer_walks_the_demo(demo, browser):
    demo.wait_until_up()
    output = demo.output()
    assert "simulator: keeping" in output and "under 2.00 GB" in output, "the disk cap is stated at start"
    client = pymongo.MongoClient("127.0.0.1", demo.ports["KRAKEN_LOCAL_MONGO_PORT"], serverSelectionTimeoutMS=5000)
    db = client["krakendb"]
    started = time.monotonic()
    raw_file_id = wait_for(lambda: a_done_raw_file_with_metrics(db), DONE_WITHIN_S,
                           "a simulated raw file to reach done with metrics")
    print(f"first raw file done with metrics {time.monotonic() - started:.0f} s after the UI answered: {raw_file_id}")

    page = browser.new_page()
    errors = ConsoleErrors(page)

    # the overview: the done raw file with its metrics, and a Dagster link only where the partition exists
    assert page.goto(f"{demo.companion_url}/overview").ok
    row = page.locator("#overview-table tbody tr", has=page.locator(f"a[title='{raw_file_id}']"))
    assert row.count() == 1
    assert row.locator(".badge").inner_text() == "done"
    assert any(re.fullmatch(r"[0-9][0-9,.]*", c.strip()) for c in row.locator("td.metric").all_inner_texts())
    links = {}
    for each in page.locator("#overview-table tbody tr").all():
        name = each.locator("td.name a").get_attribute("title")
        status = each.locator(".badge").inner_text()
        link = each.locator("a.dagster-link")
        if status in ("monitoring_acquisition", "queued_for_monitoring"):
            assert link.count() == 0, f"{name} ({status}) has no partition yet, but the overview links one"
        if link.count():
            href = link.get_attribute("href")
            assert href.startswith(demo.dagster_url)
            assert unquote(parse_qs(urlparse(href).query)["partition"][0]) == name, (name, href)
            links.setdefault(status, (name, href))

    # the raw file's page: the timeline, and its links into Dagster
    answer = page.goto(f"{demo.companion_url}/raw_files/{quote(raw_file_id, safe='')}")
    assert answer.ok, f"{answer.status}: {page.content()[:2000]}"
    timeline = page.locator("#timeline")
    assert timeline.count() == 1
    steps = [(row.locator("td").first.inner_text(), row.locator(".state").inner_text(),
              row.locator("td.time").inner_text().strip()) for row in timeline.locator("tbody tr").all()]
    assert {state for _, state, _ in steps} <= {"done", "skipped"}, steps  # skipped: S3, not configured here
    done_steps = [(label, at) for label, state, at in steps if state == "done"]
    assert len(done_steps) >= 5 and all(re.search(r"[0-9]{2}:[0-9]{2}", at) for _, at in done_steps), steps
    page_links = sorted({a.get_attribute("href") for a in page.locator("a").all()
                         if (a.get_attribute("href") or "").startswith(demo.dagster_url)})
    assert sum("/assets/" in u for u in page_links) >= 2 and any("/runs/" in u for u in page_links), page_links

    for url in page_links:
        dagster_page_shows(page, url, raw_file_id)
    for name, url in links.values():
        dagster_page_shows(page, url, name)
    assert not errors.seen, "\n".join(errors.seen)
    page.close()
    client.close()

    os.killpg(demo.process.pid, signal.SIGTERM)
    demo.wait_until_stopped(STOP_BOUND_S)
    assert not demo.taken_ports(), demo.taken_ports()
