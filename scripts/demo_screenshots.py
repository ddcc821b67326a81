"""Takes the README's screenshots from a running `make demo`: the companion's overview with metrics, one raw file's
page, the trends, and the asset graph in the Dagster UI. Debian's chromium through Playwright.

    make demo                     # in another terminal; wait a few minutes for quantified files
    .venv/bin/python scripts/demo_screenshots.py [--companion URL] [--dagster URL] [--out docs/screenshots/demo]

It waits until at least --min-done raw files are `done` with metrics (read from the companion's overview), so the
pictures show what a newcomer sees after a few minutes; the overview is filtered to `done` files, which have metrics.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def done_rows(page, companion: str) -> list[str]:
    """Raw file ids of the overview's `done` rows that show at least one metric value."""
    page.goto(f"{companion}/overview")
    ids = []
    for row in page.locator("#overview-table tbody tr").all():
        if row.locator(".badge").inner_text() == "done" and any(
                re.search(r"[0-9]", c) for c in row.locator("td.metric").all_inner_texts()):
            ids.append(row.locator("td.name a").get_attribute("title"))
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companion", default=f"http://127.0.0.1:{os.environ.get('KRAKEN_COMPANION_PORT', 8050)}")
    parser.add_argument("--dagster", default=f"http://127.0.0.1:{os.environ.get('DAGSTER_WEBSERVER_PORT', 3000)}")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "demo")
    parser.add_argument("--min-done", type=int, default=3)
    parser.add_argument("--timeout-s", type=float, default=600)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        print("demo_screenshots: Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        deadline = time.monotonic() + args.timeout_s
        while len(done := done_rows(page, args.companion)) < args.min_done:
            if time.monotonic() > deadline:
                print(f"demo_screenshots: only {len(done)} raw file(s) done with metrics after {args.timeout_s:.0f} s; "
                      f"is `make demo` running at {args.companion}?", file=sys.stderr)
                return 1
            time.sleep(10)
        page.goto(f"{args.companion}/overview?status=done")
        page.screenshot(path=str(args.out / "overview.png"))
        page.goto(f"{args.companion}/raw_files/{done[0]}")
        page.screenshot(path=str(args.out / "raw_file.png"), full_page=True)
        page.goto(f"{args.companion}/trends?days=0.1&x=sequence")  # a demo of minutes: files in order
        page.wait_for_timeout(3000)  # the plots draw after the page loads
        page.screenshot(path=str(args.out / "trends.png"), full_page=True)
        # the raw file's graph, raw_file to quality_metrics (the global lineage starts with its groups folded)
        page.goto(f"{args.dagster}/assets/raw_file?view=lineage&lineageScope=downstream&lineageDepth=5")
        page.wait_for_selector("text=quality_metrics", timeout=120_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(args.out / "dagster_asset_graph.png"))
        browser.close()
    print(f"demo_screenshots: overview, raw file {done[0]}, trends and the Dagster asset graph in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
