"""Takes the QC screenshots of docs/ (not a test): the control chart of a judged QC series with a column change and
a 1-3s violation, and the trends with the instruments' maintenance annotations. The companion runs as operators
start it, on a record seeded in the test MongoDB (tests/services/services.sh start), in Debian's chromium.

    .venv/bin/python -m tests.ui.take_qc_screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymongo

from kraken_core.record.annotations import add_annotation
from kraken_core.record.connection import RECORD_CLIENT_OPTIONS
from tests.support.companion_process import ROOT, envs_with_qc, running_companion
from tests.support.qc_record import QC_SERIES, seed_qc_series
from tests.support.services import service_env
from tests.support.ui_record import seed_record
from tests.ui.conftest import CHROMIUM_ARGS


def _drawn(page, selector: str) -> None:
    for plot in page.locator(selector).all():
        plot.locator(".scatterlayer").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    services = service_env()
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), **RECORD_CLIENT_OPTIONS)
    db = client[f"kt_shots_{uuid.uuid4().hex[:8]}"]
    try:
        now = datetime.now(UTC)
        seed_record(db, 1500, now=now, spacing=timedelta(minutes=27))
        seed_qc_series(db, now)
        add_annotation(db, instrument_id="bruker1", kind="source_cleaning", occurred_at=now - timedelta(days=6),
                       text="cleaned the capillary", created_by="otto")
        add_annotation(db, instrument_id="thermo1", kind="calibration", occurred_at=now - timedelta(days=9),
                       text="mass calibration", created_by="otto")
        with tempfile.TemporaryDirectory() as folder:
            envs = envs_with_qc(Path(folder), QC_SERIES)
            with running_companion(services, db.name, Path(folder), {"KRAKEN_ENVS_DIR": str(envs)}) as base:
                from playwright.sync_api import sync_playwright

                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                    page = browser.new_page(viewport={"width": 1500, "height": 1000})
                    page.goto(f"{base}/control_chart?instrument=thermo1&cusum=1")
                    _drawn(page, "#control-chart")
                    args.out.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(args.out / "control_chart.png"), full_page=False)
                    page.goto(f"{base}/trends?metric=precursors&days=14&colour_by=project&trend=rolling")
                    _drawn(page, "#plots .plotly-plot")
                    page.screenshot(path=str(args.out / "trends_annotations.png"), full_page=True)
                    browser.close()
        print(f"screenshots in {args.out}")
    finally:
        client.drop_database(db.name)


if __name__ == "__main__":
    main()
