"""A client configured for AlphaKraken's MCP server keeps working: its tool names and argument names are
accepted over streamable HTTP with the SDK's real client, an argument a tool does not take is refused (never
silently dropped), and the container's `MONGO_USER` (AlphaKraken's variable) is read when `MONGO_USER_READ` is
not set."""

from __future__ import annotations

import anyio

from mcp_server.runtime import runtime_settings
from tests.mcp.client import call, call_error, http_session
from tests.mcp.seed import hela_name


def test_alphakraken_arguments_are_accepted(http_server):
    async def scenario():
        async with http_session(http_server) as session:
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert {"get_available_instruments", "get_raw_files_by_names", "get_raw_files_for_instrument"} <= set(tools)
            schema = tools["get_raw_files_for_instrument"].input_schema
            assert {"instrument_id", "name_search_string", "max_age_in_days", "gradient_length_filter",
                    "only_basic_metrics"} <= set(schema["properties"])
            assert all(tool.input_schema.get("additionalProperties") is False for tool in tools.values())
            answer = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1",
                                name_search_string="HELA", max_age_in_days=7, gradient_length_filter=44,
                                only_basic_metrics=True)
            # AlphaKraken's answer: a bare list of {raw_file: {name, ...}, metrics: {...}}, sent as one text block
            # per item and as structured {"result": [...]} (checked by `call`)
            assert answer and all("hela" in item["raw_file"]["name"].lower() for item in answer)
            assert all(set(item["metrics"]) == {"proteins", "gradient_length"} for item in answer)
            by_names = await call(session, "get_raw_files_by_names", raw_file_names=[hela_name(0)])
            assert [item["raw_file"]["name"] for item in by_names] == [hela_name(0)]
            instruments = await call(session, "get_available_instruments")
            assert {"instrument_id": "thermo1"}.items() <= instruments[-1].items()

    anyio.run(scenario)


def test_unknown_arguments_are_refused_with_the_known_ones(http_server):
    async def scenario():
        async with http_session(http_server) as session:
            text = await call_error(session, "get_raw_files_for_instrument", instrument_id="thermo1",
                                    max_age_days=7)
            assert "does not take 'max_age_days'" in text and "max_age_in_days" in text
            text = await call_error(session, "get_available_instruments", verbose=True)
            assert "does not take 'verbose'" in text and "none" in text
            text = await call_error(session, "get_metric_trend", instrument_id="thermo1", metric="proteins",
                                    name_contains="hela")
            assert "'name_contains'" in text and "name_search_string" in text
            assert (await call(session, "get_projects", project_id="HELA"))["count"] == 1

    anyio.run(scenario)


def test_record_user_from_alphakraken_or_read_variables():
    ak = runtime_settings({"MONGO_USER": "kraken_read", "MONGO_PASSWORD": "pw"}).mongo
    assert (ak.user, ak.password) == ("kraken_read", "pw")
    both = runtime_settings({"MONGO_USER": "u", "MONGO_PASSWORD": "p", "MONGO_USER_READ": "r",
                             "MONGO_PASSWORD_READ": "rp"}).mongo
    assert (both.user, both.password) == ("r", "rp")
    assert runtime_settings({}).mongo.user is None
