"""Run the companion app: `python -m kraken_ui_ext.companion` (127.0.0.1, port KRAKEN_COMPANION_PORT, default 8050).

Reads the platform configuration of `ENV` (for the Dagster UI address and the instruments) and the record
through the webapp database user (`MONGO_USER_WEBAPP` / `MONGO_PASSWORD_WEBAPP`).
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from pymongo.errors import OperationFailure

from kraken_core.config import load_config
from kraken_core.record.connection import open_database
from kraken_core.record.indexes import ensure_indexes
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.recent_record import RecentRecord
from kraken_ui_ext.companion.settings import CompanionSettings, companion_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("KRAKEN_COMPANION_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=companion_port())
    args = parser.parse_args()
    settings = CompanionSettings.from_environment(load_config())
    db = open_database(settings.mongo)
    try:
        ensure_indexes(db)
    except OperationFailure:
        print("the webapp database user may not create indexes; the workers create them at start-up", flush=True)
    print(f"companion app: http://{args.host}:{args.port} (record {settings.mongo.describe()}, "
          f"Dagster UI {settings.webserver_base_url})", flush=True)
    recent = RecentRecord(db)
    recent.start_reading()  # the last weeks of raw files and metrics, for the overview, trends and status pages
    uvicorn.run(build_app(settings, db, recent=recent), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
