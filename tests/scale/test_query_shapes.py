"""Every read the product sends to MongoDB is served by a declared index (MongoDB's prefix rule).

The reads are not copied here: the product's own functions run (watcher lookup, monitoring, quanting,
lifecycle, partition retirement, every companion page, every REST API endpoint, every MCP tool) against a seeded record, and a pymongo
command listener captures what they send. Each captured read is checked against `kraken_core.record.indexes`
(and the lifecycle log's indexes), and the nx-27017 test server's own plan is printed beside it (`-s`).
"""

import asyncio
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pymongo
import pytest
from starlette.testclient import TestClient

from kraken_core.config.partitions import PartitionsConfig
from kraken_core.lifecycle.mover import Mover
from kraken_core.lifecycle.remover import Remover
from kraken_core.record.location_facts import (
    new_raw_file_errors,
    new_reused_names,
    new_upload_failures,
    read_record_facts,
)
from kraken_core.config.qc import QcConfig
from kraken_core.partition_retirement import plan_retirement
from kraken_core.qc.raw_file_verdict import judge_raw_file
from kraken_core.record.accounts import add_account, issue_token
from kraken_core.record.annotations import add_annotation, annotations_of
from kraken_core.quanting.settings_lookup import settings_for_raw_file
from kraken_core.record.connection import MongoSettings
from kraken_core.record.lifecycle_log import ensure_lifecycle_indexes, file_events
from kraken_core.record.quanting_jobs import metrics_of, open_quanting
from kraken_core.record.raw_files import find_by_ids, find_by_original_names
from kraken_core.watcher import InstrumentWatcher
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from mcp_server.record_reader import RecordReader
from mcp_server.tools import build_server
from tests.mcp.client import call, memory_session
from tests.scale.query_coverage import (
    ReadRecorder,
    needs_index,
    nx_plan,
    serving_index,
    shape,
)
from tests.support.ui_record import INSTRUMENTS, seed_record

VENDORS = {"thermo1": "thermo", "bruker1": "bruker", "sciex1": "sciex"}
COMPANION_PAGES = ["/overview", "/overview?instrument=thermo1&age=7", "/overview?project=PRJ1&age=7",
                   "/overview?q=HeLa_QC&age=7", "/overview?filter=thermo1 %26 !status=fail %26 proteins=[5000,]&age=7",
                   "/overview.csv", "/trends", "/trends?instrument=bruker1&days=30",
                   "/trends?project=HELA&days=30&colour_by=project", "/status", "/projects"]

API_CALLS = ["/raw_files", "/raw_files?instrument_id=thermo1", "/raw_files?project_id=PRJ1&offset=50",
             "/raw_files?status=done", "/raw_files?status=failed&max_age_days=7",
             "/raw_files?instrument_id=bruker1&date_from=2020-01-01&date_to=2099-01-01",
             "/raw_files?filter=proteins=[5000,]&instrument_id=thermo1", "/instruments", "/qc/status", "/annotations",
             "/annotations?instrument_id=thermo1", "/annotations?kind=column_change"]

@pytest.fixture
def recorded(services, config):
    name = f"kt_shapes_{uuid.uuid4().hex[:8]}"
    recorder = ReadRecorder(name)
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True,
                                 event_listeners=[recorder])
    db = client[name]
    seed_record(db, 600)
    ensure_lifecycle_indexes(db)
    try:
        yield db, recorder
    finally:
        client.drop_database(name)
        client.close()


async def _mcp_reads(db, recorder, raw_file_id: str) -> None:
    server = build_server(RecordReader(db), VENDORS)
    calls = [
        ("get_available_instruments", {}),
        ("get_raw_files_by_names", {"raw_file_names": [raw_file_id, "unknown.raw"]}),
        ("get_raw_files_for_instrument", {"instrument_id": "thermo1", "max_age_in_days": 7}),
        ("get_raw_files_for_instrument", {"instrument_id": "thermo1", "name_search_string": "hela", "max_age_in_days": 30}),
        ("get_raw_file_story", {"raw_file_name": raw_file_id}),
        ("get_recent_failures", {"hours": 240}),
        ("get_recent_failures", {"hours": 240, "instrument_id": "bruker1"}),
        ("get_metric_trend", {"instrument_id": "thermo1", "metric": "proteins", "period_days": 7}),
        ("get_projects", {}),
        ("get_projects", {"project_id": "PRJ1"}),
    ]
    async with memory_session(server) as session:
        for tool, arguments in calls:
            with recorder.source(f"MCP {tool}"):
                await call(session, tool, **arguments)


def test_every_read_of_the_product_is_served_by_a_declared_index(recorded, config):
    db, recorder = recorded
    now = datetime.now(UTC)
    sample = db.raw_file.find_one({"status": "done"}, {"_id": 1, "project_id": 1, "instrument_id": 1})
    rid = sample["_id"]

    with recorder.source("watcher: which names are known"):
        find_by_original_names(db, [rid, "20991231_new.raw"])
        find_by_ids(db, [rid, "20991231_new.raw"])
    with recorder.source("watcher: project ids"):
        InstrumentWatcher(db, config, "thermo1").project_ids()
    for instrument_id in INSTRUMENTS:
        with recorder.source("monitoring: instrument record facts"):
            read_record_facts(db, instrument_id, "instrument")
        with recorder.source("monitoring: new errors and upload failures"):
            new_raw_file_errors(db, instrument_id, now - timedelta(hours=1))
            new_upload_failures(db, instrument_id, now - timedelta(hours=1))
            new_reused_names(db, instrument_id, now - timedelta(hours=1))
        with recorder.source("lifecycle: mover and remover candidates"):
            Mover.candidates(SimpleNamespace(db=db), instrument_id)
            Remover.candidates(SimpleNamespace(db=db, now=now), instrument_id, 14)
    with recorder.source("lifecycle: a raw file's instrument-file log"):
        file_events(db, rid)
    with recorder.source("quanting: open jobs, metrics, settings"):
        open_quanting(db)
        metrics_of(db, rid)
        settings_for_raw_file(db, config, sample)
    qc = QcConfig.model_validate({"series": [{"name": "hela", "raw_file_pattern": "HeLa_QC", "metrics": ["proteins"],
                                              "rules": ["1-3s", "2-2s", "10-x", "cusum"]}]})
    hela = list(db.raw_file.find({"status": "done", "instrument_id": "thermo1"}).sort("created_at", 1))
    hela = [doc for doc in hela if "HeLa_QC" in doc["_id"]]
    add_annotation(db, instrument_id="thermo1", kind="column_change", occurred_at=hela[0]["created_at"])
    judge_raw_file(db, qc, hela[-2], metrics_of(db, hela[-2]["_id"]))  # fills the series' points once
    with recorder.source("QC: judging a raw file in its series"):
        judge_raw_file(db, qc, hela[-1], metrics_of(db, hela[-1]["_id"]))
    with recorder.source("QC: an instrument's annotations"):
        annotations_of(db, "thermo1", now - timedelta(days=30), now)
    with recorder.source("partitions: retirement plan"):
        plan_retirement(db, [rid], set(), PartitionsConfig(), now)

    app = TestClient(build_app(CompanionSettings(mongo=MongoSettings(database=db.name),
                                                 webserver_base_url="http://127.0.0.1:3000",
                                                 instrument_vendors=VENDORS), db))
    for page in [*COMPANION_PAGES, f"/raw_files/{rid}"]:
        with recorder.source(f"companion {page}"):
            assert app.get(page).status_code == 200, page
    add_account(db, "api-reader", "viewer", secrets.token_urlsafe(12))
    token = {"Authorization": f"Bearer {issue_token(db, 'api-reader', 'api')}"}
    for call in [*API_CALLS, f"/raw_files/{rid}", f"/raw_files/{rid}/metrics"]:
        with recorder.source(f"REST API {call}"):
            assert app.get(f"/api/v1{call}", headers=token).status_code == 200, call
    asyncio.run(_mcp_reads(db, recorder, rid))

    sources = {r.source for r in recorder.reads}
    assert {"watcher: which names are known", "companion /overview", "MCP get_metric_trend",
            "lifecycle: mover and remover candidates", "monitoring: instrument record facts",
            "QC: judging a raw file in its series"} <= sources
    rows, unserved, seen = [], [], set()
    for read in recorder.reads:
        key = shape(read)
        if key in seen:
            continue
        seen.add(key)
        served = serving_index(read)
        rows.append(f"| {read.source} | `{key}` | {served.index or 'scan'}"
                    f"{'' if served.sort_from_index else ' (sort in memory)'} | {nx_plan(db, read)} |")
        if needs_index(read) and served.index is None:
            unserved.append(f"{read.source}: {key}")
    print("\n| source | read | MongoDB index | nx-27017 plan |\n|---|---|---|---|\n" + "\n".join(rows))
    assert not unserved, "reads no declared index serves:\n" + "\n".join(unserved)
