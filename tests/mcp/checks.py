"""What every transport must answer about the seeded record (see seed.py), tool by tool."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import anyio
from mcp import ClientSession

from tests.mcp.client import call, call_error
from tests.mcp.seed import (
    DUP_COLLISION_FLAG,
    DUP_NAME,
    FREE_SPACE_GB,
    OUTPUT_PATH,
    THERMO_HELA,
    UPLOAD_ERROR,
    hela_name,
)

TOOLS = {
    "get_available_instruments",
    "get_file_systems",
    "get_raw_files_by_names",
    "get_raw_files_for_instrument",
    "get_raw_file_story",
    "get_recent_failures",
    "get_metric_trend",
    "get_projects",
}


def iso(moment: datetime) -> str:
    """How the server writes a datetime: ISO 8601, UTC, whole seconds, trailing Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def check_tool_list(session: ClientSession) -> None:
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 80, f"{tool.name} needs a precise description"
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
    limit = tools["get_raw_files_for_instrument"].input_schema["properties"]["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 500)


async def check_instruments(session: ClientSession, now: datetime) -> None:
    answer = await call(session, "get_available_instruments")
    by_id = {i["instrument_id"]: i for i in answer}
    assert set(by_id) == {"thermo1", "bruker1", "sciex1"}
    assert {i: by_id[i]["type"] for i in by_id} == {"thermo1": "thermo", "bruker1": "bruker", "sciex1": "sciex"}
    thermo = by_id["thermo1"]
    assert thermo["health"]["status"] == "ok"
    assert thermo["health"]["free_space_gb"] == 512.35 != FREE_SPACE_GB
    assert thermo["health"]["updated_at"] == iso(now - timedelta(minutes=1))
    assert thermo["newest_raw_file"] == {"raw_file_id": "sample_PRJ1_bad.raw", "status": "error",
                                         "created_at": iso(now - timedelta(hours=5))}
    assert thermo["raw_files_last_24h"] == 2
    assert by_id["bruker1"]["health"]["status"] == "error"
    assert "not mounted" in by_id["bruker1"]["health"]["status_details"]
    assert by_id["sciex1"]["health"] is None
    assert by_id["sciex1"]["newest_raw_file"]["raw_file_id"] == "run_PRJ1_b.wiff"
    file_systems = (await call(session, "get_file_systems"))["file_systems"]
    assert [(fs["location"], fs["status"], fs["free_space_gb"]) for fs in file_systems] == [("backup", "ok", 9000)]


def names(answer: list[dict]) -> list[str]:
    return [item["raw_file"]["name"] for item in answer]


async def check_raw_files_by_names(session: ClientSession, now: datetime) -> None:
    answer = await call(session, "get_raw_files_by_names", raw_file_names=[hela_name(0), DUP_NAME, "nope.raw"])
    # AlphaKraken's shape: a bare list of {raw_file, metrics}; a name that matches nothing is not in it
    assert all(set(item) == {"raw_file", "metrics"} for item in answer)
    assert names(answer) == [hela_name(0), DUP_COLLISION_FLAG + DUP_NAME, DUP_NAME]  # newest first
    hela = answer[0]
    # no status_details recorded: absent, as mongoengine leaves it out; the size to 5 significant digits
    assert hela["raw_file"] == {"name": hela_name(0), "instrument_id": "thermo1", "status": "done",
                                "size": 2_000_000_000, "created_at": iso(now - timedelta(days=0.5))}
    # the newest document per metrics type, flattened: version 2 (no type) first, then the older alphadia
    # document's names, prefixed where version 2 already has them; ids, raw_file and created_at_ left out
    assert hela["metrics"] == {
        "settings_name": "hela_std", "settings_version": 2, "proteins": 5450, "precursors": 44000,
        "gradient_length": 44, "fwhm_rt": 0.2,
        "alphadia_settings_name": "hela_std", "alphadia_settings_version": 1,
        "output_path": f"/mnt/output/HELA/{hela_name(0)}/hela_std_v1", "alphadia_proteins": 5400,
        "alphadia_precursors": 43200, "alphadia_gradient_length": 44, "alphadia_fwhm_rt": 0.12346,
        "optimization:ms1_error": -1.5,  # stored under the older name `ms1_error`
    }
    assert answer[2]["metrics"] == {}


async def check_raw_files_for_instrument(session: ClientSession) -> None:
    answer = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1", name_search_string="hela",
                        max_age_in_days=7)
    assert names(answer) == [hela_name(i) for i in range(5)]
    assert answer[0]["metrics"] == {"proteins": 5450, "gradient_length": 44}  # only_basic_metrics by default
    assert answer[1]["metrics"] == {"proteins": 5200, "gradient_length": 44}

    # AlphaKraken's gradient filter: the asked length within ±5 % of the file's (44 * 0.95 = 41.8 <= 42)
    by_gradient = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1", max_age_in_days=7,
                             gradient_length_filter=42, only_basic_metrics=False)
    expected = [hela_name(i) for i, (days, _, minutes) in enumerate(THERMO_HELA) if days < 7 and minutes == 44]
    assert names(by_gradient) == expected
    assert by_gradient[1]["metrics"]["fwhm_rt"] == 0.12346 and by_gradient[1]["metrics"]["settings_version"] == 1
    first_two = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1", max_age_in_days=30,
                           gradient_length_filter=44, limit=2)
    assert names(first_two) == expected[:2]
    outside = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1", max_age_in_days=7,
                         gradient_length_filter=47)
    assert outside == []

    limited = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1", max_age_in_days=30, limit=2)
    assert names(limited) == ["sample_PRJ1_bad.raw", hela_name(0)]
    # without a limit, as AlphaKraken's clients ask: every raw file of the period (12 on thermo1 in 30 days)
    everything = await call(session, "get_raw_files_for_instrument", instrument_id="thermo1", max_age_in_days=30)
    assert len(everything) == 12 and names(everything)[-1] == DUP_NAME


async def check_raw_file_story(session: ClientSession, now: datetime) -> None:
    story = await call(session, "get_raw_file_story", raw_file_name="run_PRJ1_b.wiff")
    assert story["status"] == "quanting_failed"
    assert "out of memory" in story["failure"]["reason"]
    [job] = story["quanting"]["quanting_jobs"]
    assert (job["job_id"], job["state"], job["exit_code"]) == ("4242", "OUT_OF_MEMORY", 137)
    assert story["outputs"] == [OUTPUT_PATH]
    assert story["s3"] == {"s3_upload_path": "s3://kraken/PRJ1/run_PRJ1_b.wiff"}
    month = (now - timedelta(days=1)).strftime("%Y_%m")
    assert story["backup"]["path"] == f"/mnt/backup/sciex1/{month}/run_PRJ1_b.wiff"
    assert story["file_info"]["files"] == 1
    assert story["record"]["instrument_id"] == "sciex1"

    collided = await call(session, "get_raw_file_story", raw_file_name=DUP_COLLISION_FLAG + DUP_NAME)
    assert collided["backup"]["path"].endswith(f"/{DUP_COLLISION_FLAG}{DUP_NAME}")
    assert collided["failure"] is None

    upload = await call(session, "get_raw_file_story", raw_file_name="upload_PRJ1_c.wiff")
    assert upload["status"] == "done" and upload["failure"]["reason"] == UPLOAD_ERROR

    hela = await call(session, "get_raw_file_story", raw_file_name=hela_name(0))
    assert [m["settings_version"] for m in hela["metrics"]] == [2, 1]
    entry = hela["file_info"]["entries"][hela_name(0)]
    assert entry == {"size": 2_000_000_000, "md5": "0123456789abcdef0123456789abcdef"}


async def check_recent_failures(session: ClientSession, now: datetime) -> None:
    answer = await call(session, "get_recent_failures", hours=24)
    assert [f["raw_file_id"] for f in answer["failures"]] == [
        "upload_PRJ1_c.wiff", "sample_PRJ1_bad.raw", "run_PRJ1_b.wiff", "run_PRJ1_a.d"]
    upload, copy = answer["failures"][:2]
    assert upload["backup_status"] == "upload_failed" and upload["reason"] == UPLOAD_ERROR
    assert copy["backup_status"] == "copying_failed" and "is full" in copy["reason"]
    assert copy["failed_at"] == iso(now - timedelta(hours=2))
    assert answer["by_instrument"] == {"sciex1": 2, "thermo1": 1, "bruker1": 1}

    bruker = await call(session, "get_recent_failures", hours=24, instrument_id="bruker1")
    assert [f["raw_file_id"] for f in bruker["failures"]] == ["run_PRJ1_a.d"]
    week = await call(session, "get_recent_failures", hours=120, limit=3)
    assert week["count"] == 3 and week["more_available"] is True


async def check_metric_trend(session: ClientSession, now: datetime) -> None:
    trend = await call(session, "get_metric_trend", instrument_id="thermo1", metric="proteins", period_days=7,
                       name_search_string="HELA")
    current, previous = trend["current_period"], trend["previous_period"]
    # the newest run counts with its newest quantification (settings version 2: 5450 proteins)
    assert (current["count"], current["median"], current["min"], current["max"]) == (5, 5200, 5000, 5450)
    newest_run = {"value": 5450, "raw_file_id": hela_name(0), "created_at": iso(now - timedelta(days=0.5))}
    assert current["latest"] == newest_run
    assert (previous["count"], previous["median"]) == (3, 4900)
    assert trend["change"] == {"median_difference": 300, "median_percent_change": 6.1224}

    fwhm = await call(session, "get_metric_trend", instrument_id="thermo1", metric="fwhm_rt", period_days=7,
                      settings_name="hela_std")
    assert fwhm["current_period"]["max"] == 0.2 and fwhm["current_period"]["min"] == 0.12346

    unknown = await call_error(session, "get_metric_trend", instrument_id="thermo1", metric="no_such_metric")
    assert "no_such_metric" in unknown and "proteins" in unknown and "fwhm_rt" in unknown


async def check_projects(session: ClientSession) -> None:
    answer = await call(session, "get_projects")
    by_id = {p["project_id"]: p for p in answer["projects"]}
    assert set(by_id) == {"HELA", "PRJ1"}
    hela = by_id["HELA"]
    assert hela["name"] == "HeLa QC"
    assert [a["settings"]["settings_id"] for a in hela["assignments"]] == [
        "hela_std-v1", "hela_std-v2", "tims_hela-v1", "hela_astral-v1"]
    # archived versions never apply; the most specific scope wins: instrument over vendor over `*`
    assert hela["resolved_settings_per_instrument"] == {
        "bruker1": ["tims_hela v1"], "sciex1": ["hela_std v2"], "thermo1": ["hela_astral v1"]}
    prj1 = by_id["PRJ1"]
    assert prj1["assignments"][0]["settings"]["fasta_file_name"] == "plasma.fasta"
    assert prj1["assignments"][0]["raw_file_id_filter"] == ["plasma"]
    assert prj1["resolved_settings_per_instrument"] == {
        "bruker1": [], "sciex1": ["plasma v3"], "thermo1": ["plasma v3"]}
    one = await call(session, "get_projects", project_id="PRJ1")
    assert [p["project_id"] for p in one["projects"]] == ["PRJ1"]


async def check_every_tool(session: ClientSession, now: datetime) -> None:
    await check_tool_list(session)
    await check_instruments(session, now)
    await check_raw_files_by_names(session, now)
    await check_raw_files_for_instrument(session)
    await check_raw_file_story(session, now)
    await check_recent_failures(session, now)
    await check_metric_trend(session, now)
    await check_projects(session)


def ask_every_tool(open_session: Callable[[], AbstractAsyncContextManager[ClientSession]], now: datetime) -> None:
    """Open a session with `open_session` and run every check in it."""

    async def scenario():
        async with open_session() as session:
            await check_every_tool(session, now)

    anyio.run(scenario)
