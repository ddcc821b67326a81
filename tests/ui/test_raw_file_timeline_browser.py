"""The raw-file timeline in a real browser, against a real platform: the Dagster daemon and webserver (local job
engine, the demo's simulated AlphaDIA) and the companion app. A raw file goes through backup and quantification;
its companion page shows each step with its UTC time, and every link opens the Dagster page of that very step
(its run, or its partition); a hostile name opens its own partition; a file still being acquired offers no
partition link; no companion page logs a console error; the icon is served."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pymongo
import pytest
import yaml

from kraken_core.config.schema import KrakenConfig
from kraken_core.demo import setup as demo
from kraken_core.record.connection import RECORD_CLIENT_OPTIONS
from kraken_core.simulator import write_thermo
from tests.support.platform import ROOT, DagsterPlatform, free_port, wait_for
from tests.support.quanting import write_local_engine_config

pytestmark = pytest.mark.e2e

QUANTIFIED = "20261102_thermo1_PRJ1_HeLa_001.raw"  # the simulated AlphaDIA succeeds for this name
HOSTILE = "20261102 thermo1 HeLa #5 50%+ü.raw"  # no project: backed up, not quantified
ACQUIRING = "20261102_thermo1_PRJ1_HeLa_002.raw"  # newest and empty: still being acquired
# the asset each step's run materializes, as the Dagster run page lists its steps
STEP_ASSETS = {"checksummed": "raw_file", "backed_up": "raw_file_backup", "quanting_submitted": "alphadia_job",
               "quanting_finished": "alphadia_output", "metrics_written": "quality_metrics"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory, services):
    """The platform and the companion on one record; yields (Dagster URL, companion URL, database)."""
    tmp = tmp_path_factory.mktemp("timeline")
    mounts = tmp / "mounts"
    (mounts / "instruments" / "thermo1").mkdir(parents=True)
    env, _, database = write_local_engine_config(tmp, services, mounts, "kt_timeline")
    running = DagsterPlatform(tmp, env)
    config_file = tmp / "envs" / "alphakraken.test.yaml"
    config_data = {**yaml.safe_load(config_file.read_text()), "webserver_base_url": running.url}
    config_file.write_text(yaml.safe_dump(config_data))
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), **RECORD_CLIENT_OPTIONS)
    db = client[database]
    config = KrakenConfig.model_validate(config_data)
    demo.install_stand_in(config)
    demo.assign_demo_settings(db, config)
    running.start(webserver=True)
    companion_port = free_port()
    log = open(tmp / "companion.log", "w")  # noqa: SIM115 - closed below
    companion = subprocess.Popen([sys.executable, "-m", "kraken_ui_ext.companion"], cwd=ROOT, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True,
                                 env={**running.env, "KRAKEN_COMPANION_PORT": str(companion_port)})
    companion_url = f"http://127.0.0.1:{companion_port}"
    try:
        wait_for(lambda: _answers(f"{companion_url}/healthz"), 60, "the companion app to answer")
        wait_for(lambda: _answers(running.url), 120, "the Dagster webserver to answer")
        yield running, companion_url, db
    finally:
        os.killpg(companion.pid, signal.SIGTERM)
        companion.wait(timeout=10)
        log.close()
        running.stop()
        client.drop_database(database)
        client.close()


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def processed(platform):
    """The three raw files, dropped into the instrument folder, once the first two have reached their final status."""
    running, _, db = platform
    folder = Path(running.env["MOUNTS_PATH"]) / "instruments" / "thermo1"
    write_thermo(folder, QUANTIFIED, 100_000, seed=1)
    write_thermo(folder, HOSTILE, 20_000, seed=2)
    (folder / ACQUIRING).write_bytes(b"")

    def final():
        docs = {d["_id"]: d for d in db.raw_file.find({})}
        quantified, hostile = docs.get(QUANTIFIED, {}), docs.get(HOSTILE, {})
        return docs if ("metrics_written" in quantified.get("steps", {}) and quantified.get("status") == "done"
                        and hostile.get("status") == "done_not_quanted" and ACQUIRING in docs) else None

    try:
        return wait_for(final, 420, "the raw files to reach their final status", interval=2)
    except AssertionError:
        for doc in db.raw_file.find({}):
            print(doc["_id"], doc["status"], doc.get("status_details"), doc.get("steps"))
        print(running.log_tail(80))
        raise


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


def _timeline(page) -> dict[str, dict]:
    rows = {}
    for row in page.locator("#timeline tbody tr").all():
        link = row.locator("a.dagster-link")
        rows[row.get_attribute("data-step")] = {
            "state": row.locator(".state").inner_text(), "when": row.locator("td.time").inner_text(),
            "detail": row.locator("td.detail").inner_text(),
            "href": link.get_attribute("href") if link.count() else None}
    return rows


def _selected_partition(text: str) -> list[str]:
    """The lines heading the partition detail of Dagster's partitions view (the key, its status)."""
    return [line for line in text.split("Latest materialization", 1)[0].splitlines() if line.strip()][-3:]


def _dagster_text(page, url: str, expected: str) -> str:
    page.goto(url)
    page.wait_for_function("text => document.body.innerText.includes(text)", arg=expected, timeout=60_000)
    return page.inner_text("body")


def test_the_timeline_links_every_step_to_the_dagster_run_that_did_it(platform, processed, page, console_errors,
                                                                       screenshots):
    running, companion, db = platform
    doc = processed[QUANTIFIED]
    page.goto(f"{companion}/raw_files/{quote(QUANTIFIED)}")
    rows = _timeline(page)
    assert list(rows) == ["detected", "acquisition_finished", "checksummed", "backed_up", "quanting_submitted",
                          "quanting_finished", "metrics_written"]
    assert all(r["state"] == "done" and r["when"].endswith(" UTC") for r in rows.values()), rows
    backup = Path(doc["backup_base_path"]) / QUANTIFIED
    assert rows["backed_up"]["detail"] == str(backup) and backup.is_file()
    assert rows["checksummed"]["detail"] == "97.7 KB in 1 file"  # 100,000 bytes
    page.screenshot(path=str(screenshots / "raw_file_timeline.png"), full_page=True)
    assert not console_errors, console_errors

    dagster = page.context.new_page()
    for step, asset in STEP_ASSETS.items():
        run_id = doc["steps"][step]["run_id"]
        assert rows[step]["href"] == f"{running.url}/runs/{run_id}", (step, rows[step])
        text = _dagster_text(dagster, rows[step]["href"], f"partition: {QUANTIFIED}")
        assert run_id[:8] in text and asset in text, (step, text[:400])
    # the acquisition's finish is the watcher's (no run): it links the raw file's partition, selected in Dagster
    partition = rows["acquisition_finished"]["href"]
    text = _dagster_text(dagster, partition, "Latest materialization")
    assert dagster.url == partition and QUANTIFIED in _selected_partition(text)
    dagster.close()


def test_a_hostile_name_opens_its_own_partition_and_an_acquiring_file_offers_none(platform, processed, page,
                                                                                  console_errors):
    running, companion, _ = platform
    page.goto(f"{companion}/raw_files/{quote(HOSTILE)}")
    link = page.locator("a:has-text('raw_file partition in Dagster')")
    href = link.get_attribute("href")
    assert href == f"{running.url}/assets/raw_file?view=partitions&partition={quote(HOSTILE, safe='')}"
    rows = _timeline(page)
    assert rows["backed_up"]["state"] == "done" and rows["quanting_submitted"]["state"] == "skipped"
    with page.expect_navigation():
        link.click()
    # Dagster opens an unknown key on its first partition and rewrites the address: it must keep this one
    page.wait_for_function("text => document.body.innerText.includes(text)", arg="Latest materialization",
                           timeout=60_000)
    assert page.url == href and HOSTILE in _selected_partition(page.inner_text("body"))

    page.goto(f"{companion}/overview")
    acquiring = page.locator(f"tr[data-raw-file='{ACQUIRING}']")
    assert acquiring.locator("a.dagster-link").count() == 0
    assert acquiring.locator(".no-partition").inner_text() == "not yet in Dagster"
    assert page.locator(f"tr[data-raw-file='{QUANTIFIED}'] a.dagster-link").count() == 1
    page.goto(f"{companion}/raw_files/{quote(ACQUIRING)}")
    assert "/assets/" not in page.content()
    assert "size has not changed for 3 s" in page.locator("#finishing-rule").inner_text()
    page.goto(f"{companion}/projects")  # logged out: the forms are shown, locked, saying what would unlock them
    assert page.locator("#new-project button[type=submit]").is_disabled()
    assert page.locator("#new-project input[name=project_id]").is_disabled()
    assert "as an admin to change this" in page.locator("#new-project [data-locked]").inner_text()
    icon = page.request.get(f"{companion}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert not [e for e in console_errors if companion in e], console_errors
