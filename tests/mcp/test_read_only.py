"""The server cannot write: its access layer offers reads only, and no tool issues a write command."""

from __future__ import annotations

import pymongo
import pytest
from pymongo import monitoring

from mcp_server.record_reader import RecordReader
from mcp_server.tools import build_server
from tests.mcp.checks import ask_every_tool
from tests.mcp.client import memory_session

# Everything a read needs; any other command (insert, update, delete, findAndModify, create*, drop*, ...) fails,
# and so does an aggregation that writes ($out, $merge).
READ_COMMANDS = {"find", "getMore", "aggregate", "count", "distinct", "killCursors", "endSessions"}
WRITING_STAGES = {"$out", "$merge"}


class CommandRecorder(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[tuple[str, str]] = []
        self.pipeline_stages: set[str] = set()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append((event.command_name, event.database_name))
        for stage in event.command.get("pipeline", []) if event.command_name == "aggregate" else []:
            self.pipeline_stages.update(stage)

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


def test_no_tool_issues_a_write(services, seeded):
    db, now = seeded
    recorder = CommandRecorder()
    client = pymongo.MongoClient(services["MONGO_HOST"], int(services["MONGO_PORT"]), tz_aware=True,
                                 event_listeners=[recorder])
    try:
        # sciex1 has no heartbeat yet, so only the configuration knows it; thermo1's and bruker1's types are
        # inferred from their raw file names
        server = build_server(RecordReader(client[db.name]), {"sciex1": "sciex"})
        ask_every_tool(lambda: memory_session(server), now)
    finally:
        client.close()
    names = {name for name, _ in recorder.commands}
    assert "find" in names, "the tools were expected to read through the monitored client"
    assert names <= READ_COMMANDS, f"commands other than reads: {sorted(names - READ_COMMANDS)}"
    assert not recorder.pipeline_stages & WRITING_STAGES
    assert {database for _, database in recorder.commands if _ != "endSessions"} == {db.name}


def test_access_layer_offers_reads_only(seeded):
    db, _ = seeded
    reader = RecordReader(db)
    public = {name for name in dir(reader) if not name.startswith("_")}
    assert public == {"find", "find_one"}
    assert not hasattr(reader, "__dict__"), "no attribute can be added to smuggle a handle in"
    found = reader.find("raw_file", {"instrument_id": "bruker1"})
    assert [type(doc) for doc in found] == [dict], "answers are plain dicts, not cursors bound to a collection"
    with pytest.raises(ValueError, match="collection 'system.users' is not readable here"):
        reader.find("system.users", {})
