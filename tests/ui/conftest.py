"""The companion app started as `python -m kraken_ui_ext.companion` on a seeded record, and Debian chromium."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.companion_process import running_companion
from tests.support.ui_record import seed_record

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def record_db(mongo_client):
    """One seeded database per test module: 1,500 raw files, one every 27 minutes (four weeks of history)."""
    name = f"kt_ui_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    seed_record(db, 1500, spacing=timedelta(minutes=27))
    yield db
    mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def companion(record_db, services, tmp_path_factory):
    """The app as operators start it, with an admin account of generated password; yields (base url, user, password)."""
    from kraken_core.record.accounts import add_account

    user, password = "scientist", secrets.token_urlsafe(12)
    add_account(record_db, user, "admin", password)
    with running_companion(services, record_db.name, tmp_path_factory.mktemp("mounts")) as base:
        yield base, user, password


@pytest.fixture(scope="module")
def browser(services):
    from playwright.sync_api import sync_playwright

    executable = services.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not executable:
        pytest.fail("Debian chromium is not installed: start the test services with chromium in the list")
    profile = tempfile.mkdtemp(prefix="kraken-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1760, "height": 1000}, accept_downloads=True)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    browser.clear_cookies()
    page = browser.new_page()
    yield page
    page.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the page screenshots go: KRAKEN_UI_SCREENSHOTS (docs/screenshots for the committed set) or a temp dir."""
    folder = Path(os.environ.get("KRAKEN_UI_SCREENSHOTS") or tempfile.mkdtemp(prefix="kraken-ui-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
