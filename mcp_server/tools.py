"""The MCP tools: precise descriptions, typed and bounded parameters, answers in plain JSON.

The three tools named as in AlphaKraken's MCP server answer in its shape (a bare list of items); the others
answer one JSON object. Every answer is rounded to 5 significant digits with datetimes in ISO 8601 UTC. A bad argument is answered
with an MCP tool error saying what is allowed (bounds are checked by the input schema before a tool runs); an
argument a tool does not take is refused with the list of the arguments it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field
from pymongo.errors import PyMongoError

from mcp_server.errors import NotInRecord
from mcp_server.failures import recent_failures
from mcp_server.formatting import plain
from mcp_server.instruments import check_instrument, instrument_types, list_file_systems, list_instruments
from mcp_server.projects import list_projects
from mcp_server.raw_files import raw_files_by_names, raw_files_of_instrument
from mcp_server.record_reader import RecordReader
from mcp_server.story import raw_file_story
from mcp_server.trends import metric_trend

SERVER_NAME = "AlphaKraken"
INSTRUCTIONS = (
    "Read-only questions about a mass-spectrometry lab's AlphaKraken record: instruments and their health, "
    "raw files (one per acquisition) with their quality metrics (proteins, precursors, gradient_length in "
    "minutes, fwhm_rt, ...), the pipeline story of one raw file, recent failures and their reasons, metric "
    "trends per instrument, and projects with their quantification settings. Nothing here changes the record."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

InstrumentId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
               description="Instrument id exactly as listed by get_available_instruments, e.g. 'astral1'.")
]
NameSearchString = Annotated[
    str, Field(max_length=128, description="Case-insensitive substring of the raw file name, e.g. 'HeLa'; "
                                           "empty matches every raw file.")
]
MetricName = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:.\-]+$",
               description="Metric field name as AlphaKraken stores it, e.g. 'proteins', 'precursors', 'fwhm_rt', "
                           "'gradient_length', 'optimization:ms1_error', 'calibration:ms2_bias'.")
]


def _answer(work: Callable[[], Any]) -> Any:
    """Run one read and shape the answer; expected problems become tool errors naming what is allowed."""
    try:
        return plain(work())
    except NotInRecord as err:
        raise ToolError(str(err)) from err
    except PyMongoError as err:
        raise ToolError(
            f"the record could not be read ({type(err).__name__}): check that the MCP server reaches MongoDB "
            "(MONGO_HOST, MONGO_PORT) with its read-only user, then ask again"
        ) from err


class StrictServer(MCPServer):
    """An MCP server that refuses arguments a tool does not take, instead of silently dropping them (a client
    asking for the last 7 days under a misspelt name would otherwise get everything)."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context=None):
        tool = self._tool_manager.get_tool(name)
        if tool is not None:
            known = set(tool.parameters.get("properties") or {})
            unknown = sorted(set(arguments) - known)
            if unknown:
                raise ToolError(f"{name} does not take {', '.join(map(repr, unknown))}; its arguments are "
                                f"{', '.join(sorted(known)) or 'none'}")
        return await super().call_tool(name, arguments, context)


def build_server(reader: RecordReader, configured_types: dict[str, str]) -> MCPServer:
    """The MCP server answering from `reader`; `configured_types` maps instrument id to vendor (may be empty).

    Tool and argument names are AlphaKraken's (`get_raw_files_for_instrument(instrument_id, name_search_string,
    max_age_in_days, gradient_length_filter, only_basic_metrics)`), and so are the answers of its three tools (a
    bare list; the SDK sends each item as one text block and the list as structured `{"result": [...]}`, as
    AlphaKraken's FastMCP server does), so clients configured for it keep working.
    """
    server = StrictServer(SERVER_NAME, instructions=INSTRUCTIONS)

    def known_instrument(instrument_id: str) -> None:
        check_instrument(reader, instrument_id, configured_types)

    @server.tool(annotations=READ_ONLY)
    def get_available_instruments() -> list[dict[str, Any]]:
        """List every instrument: a list of items with instrument_id, each also with its vendor type (thermo,
        bruker, sciex), its health from the last heartbeat (status ok/error, details, free disk space in GB, time
        of the heartbeat), its newest raw file and how many raw files it recorded in the last 24 hours."""
        return _answer(lambda: list_instruments(reader, configured_types))

    @server.tool(annotations=READ_ONLY)
    def get_file_systems() -> dict[str, Any]:
        """Health of the backup and output file systems from their last heartbeat: status ok/error, details, free
        disk space in GB and the time of the heartbeat, one entry per file system under file_systems."""
        return _answer(lambda: {"file_systems": list_file_systems(reader)})

    @server.tool(annotations=READ_ONLY)
    def get_raw_files_by_names(
        raw_file_names: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=256)]],
            Field(min_length=1, max_length=100,
                  description="1 to 100 raw file names (id or original name), exact and case sensitive, "
                              "e.g. '20250101_astral1_HeLa_01.raw'."),
        ],
    ) -> list[dict[str, Any]]:
        """Raw files by exact name (id or original name), newest first: a list of items {"raw_file": {name,
        instrument_id, status, status_details, size in bytes, created_at (acquisition time)}, "metrics": every
        metric of the newest quantification per metrics type, with settings_name and settings_version ({} when
        not quantified)}. A name that matches nothing is not in the list."""
        return _answer(lambda: raw_files_by_names(reader, raw_file_names))

    @server.tool(annotations=READ_ONLY)
    def get_raw_files_for_instrument(
        instrument_id: InstrumentId,
        name_search_string: NameSearchString = "",
        max_age_in_days: Annotated[float, Field(gt=0, le=3650, description="Only raw files acquired within this "
                                                                             "many days (0 < days <= 3650).")] = 30,
        gradient_length_filter: Annotated[
            float | None, Field(gt=0, le=1440, description="Only raw files whose gradient length is within ±5% of "
                                                           "this many minutes (0 < minutes <= 1440); omit for all.")
        ] = None,
        only_basic_metrics: Annotated[bool, Field(description="True: only proteins and gradient_length; "
                                                              "false: every metric.")] = True,
        limit: Annotated[int, Field(ge=1, le=500, description="At most this many raw files, newest first "
                                                              "(1 to 500).")] = 500,
    ) -> list[dict[str, Any]]:
        """Raw files of one instrument, newest first: a list of items {"raw_file": {name, instrument_id, status,
        status_details, size in bytes, created_at (acquisition time)}, "metrics": the newest quantification per
        metrics type ({} when not quantified)}. Filter by name substring, age and gradient length (raw files
        without a gradient length are left out then); at most `limit` newest."""

        def work():
            known_instrument(instrument_id)
            return raw_files_of_instrument(
                reader, instrument_id, name_contains=name_search_string, max_age_days=max_age_in_days,
                gradient_length=gradient_length_filter, only_basic_metrics=only_basic_metrics, limit=limit,
            )

        return _answer(work)

    @server.tool(annotations=READ_ONLY)
    def get_raw_file_story(
        raw_file_name: Annotated[str, Field(min_length=1, max_length=256,
                                            description="Raw file id or original name, exact and case sensitive.")],
    ) -> dict[str, Any]:
        """Everything the record knows about one raw file: pipeline status and its details, the failure reason if it
        failed (status details or S3 upload error), backup status and backup path, S3 URL, quantification jobs
        (Slurm job id, state, exit code, output folder), output folders, every file with size and md5, every metrics
        document (all settings, newest first) and the full record."""
        return _answer(lambda: raw_file_story(reader, raw_file_name))

    @server.tool(annotations=READ_ONLY)
    def get_recent_failures(
        hours: Annotated[float, Field(gt=0, le=720, description="Failures recorded within this many hours "
                                                                "(0 < hours <= 720).")] = 24,
        instrument_id: Annotated[InstrumentId | None, Field(description="Only this instrument; omit for all.")] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="At most this many failures, newest first "
                                                              "(1 to 500).")] = 100,
    ) -> dict[str, Any]:
        """Raw files that failed recently (status acquisition_failed, quanting_failed or error, or a failed backup
        copy or S3 upload), newest first, each with its reason; plus counts by instrument and by reason."""

        def work():
            if instrument_id is not None:
                known_instrument(instrument_id)
            return recent_failures(reader, hours=hours, instrument_id=instrument_id, limit=limit)

        return _answer(work)

    @server.tool(annotations=READ_ONLY)
    def get_metric_trend(
        instrument_id: InstrumentId,
        metric: MetricName,
        period_days: Annotated[float, Field(gt=0, le=365, description="Length of the period in days "
                                                                      "(0 < days <= 365).")] = 7,
        name_search_string: NameSearchString = "",
        settings_name: Annotated[str | None, Field(max_length=64, description="Only metrics computed with these "
                                                                              "settings; omit for any.")] = None,
    ) -> dict[str, Any]:
        """Summary of one metric for one instrument over the last period_days: count, median, mean, min, max and the
        latest value (with its raw file), the same for the period before, and the change of the median between the
        two (difference and percent). One value per raw file: its newest metrics document that has the metric."""

        def work():
            known_instrument(instrument_id)
            return metric_trend(reader, instrument_id, metric, period_days=period_days,
                                name_contains=name_search_string, settings_name=settings_name)

        return _answer(work)

    @server.tool(annotations=READ_ONLY)
    def get_projects(
        project_id: Annotated[str | None, Field(min_length=1, max_length=32,
                                                description="One project id, e.g. 'HELA'; omit for all.")] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="At most this many projects (1 to 200).")] = 50,
    ) -> dict[str, Any]:
        """Projects (id, name, description, status) with their quantification settings assignments (settings name,
        version, status, software, FASTA / spectral library / config files, scopes and raw-file filters) and, for
        every known instrument, the settings that apply to its raw files (the most specific scope wins per software
        type; archived settings never apply; raw-file name filters decide per file and are not applied here)."""

        def work():
            return list_projects(reader, instrument_types(reader, configured_types), project_id=project_id,
                                 limit=limit)

        return _answer(work)

    for tool in server._tool_manager.list_tools():
        tool.parameters["additionalProperties"] = False
    return server
