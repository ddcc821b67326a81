"""Bad arguments are answered with an MCP tool error that says what is allowed; the server keeps serving."""

from __future__ import annotations

import subprocess
import sys

import anyio
import pymongo

from mcp_server.record_reader import RecordReader
from mcp_server.tools import build_server
from tests.mcp.client import call, call_error, http_session, memory_session
from tests.support.platform import ROOT, free_port


def test_bad_arguments_are_errors_that_say_what_is_allowed(http_server):
    async def scenario():
        async with http_session(http_server) as session:
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="thermo1", limit=0)
            assert "limit" in text and "greater than or equal to 1" in text
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="thermo1", limit=501)
            assert "less than or equal to 500" in text
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="thermo1", limit="ten")
            assert "valid integer" in text
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="thermo1", max_age_in_days=-1)
            assert "max_age_in_days" in text and "greater than 0" in text
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="ghost1")
            assert "unknown instrument 'ghost1'" in text and "bruker1, sciex1, thermo1" in text
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="../etc")
            assert "instrument_id" in text and "pattern" in text
            text = await call_error(session, "get_raw_files_for_instrument")
            assert "instrument_id" in text and "required" in text.lower()
            text = await call_error(session, "get_raw_files_by_names", raw_file_names=[])
            assert "at least 1 item" in text
            text = await call_error(session, "get_raw_files_by_names", raw_file_names=[f"f{i}" for i in range(101)])
            assert "at most 100 items" in text
            text = await call_error(session, "get_raw_file_story", raw_file_name="missing.raw")
            assert "no raw file with id or original name 'missing.raw'" in text
            text = await call_error(session, "get_recent_failures", hours=10_000)
            assert "less than or equal to 720" in text
            text = await call_error(session, "get_metric_trend", instrument_id="thermo1", metric="proteins",
                                    period_days=400)
            assert "less than or equal to 365" in text
            text = await call_error(session, "get_projects", project_id="NOPE")
            assert "unknown project 'NOPE'" in text and "HELA, PRJ1" in text
            text = await call_error(session, "drop_everything")
            assert "drop_everything" in text
            # still serving after all of that
            answer = await call(session, "get_projects", project_id="HELA")
            assert answer["count"] == 1

    anyio.run(scenario)


def test_bad_transport_setting_stops_with_a_message(server_env):
    result = subprocess.run([sys.executable, "-m", "mcp_server"], cwd=ROOT, capture_output=True, text=True,
                            env={**server_env, "MCP_TRANSPORT": "sse"}, timeout=60)
    assert result.returncode == 2
    assert "MCP_TRANSPORT='sse': expected one of stdio, streamable-http" in result.stderr


def test_unreachable_record_is_an_error_not_a_crash():
    client = pymongo.MongoClient("127.0.0.1", free_port(), serverSelectionTimeoutMS=300, connectTimeoutMS=300)
    server = build_server(RecordReader(client["krakendb"]), {})

    async def scenario():
        async with memory_session(server) as session:
            text = await call_error(session, "get_available_instruments")
            assert "the record could not be read (ServerSelectionTimeoutError)" in text and "MONGO_HOST" in text

    try:
        anyio.run(scenario)
    finally:
        client.close()
