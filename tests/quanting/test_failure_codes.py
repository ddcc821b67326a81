"""Failed AlphaDIA jobs are classified by the last ERROR line of log.txt with AlphaKraken's codes: one log fixture
line per code of its ERROR_CODE_TO_STRING table; known codes are quiet `quanting_failed`, the three "new error"
codes (no log, unknown line, no ERROR line) are `error`, as in AlphaKraken v1.0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kraken_core.quanting import failure_codes as fc
from kraken_core.quanting.outcome import classify
from kraken_core.statuses import RawFileStatus

FIXTURE = Path(__file__).with_name("alphadia_failure_lines.tsv")
LINES = [tuple(line.split("\t", 1)) for line in FIXTURE.read_text().splitlines() if not line.startswith("#")]
PREAMBLE = ("0:00:00.001 INFO: alphadia 1.10.0\n"
            "0:00:01.200 ERROR: could not load optional plugin, continuing\n"  # an earlier ERROR line: not the last
            "0:00:02.000 WARNING: falling back to default\n")


def test_the_fixture_covers_every_code_of_the_table():
    assert {code for code, _ in fc.LOG_ERROR_TEXTS} - {"TOO_FEW_PROTEINS"} == {code for code, _ in LINES}
    assert len(fc.LOG_ERROR_TEXTS) == 27


@pytest.mark.parametrize(("code", "line"), LINES, ids=[code for code, _ in LINES])
def test_last_error_line_gives_the_code_and_a_quiet_quanting_failed(tmp_path, code, line):
    (tmp_path / "log.txt").write_text(f"{PREAMBLE}{line}\n0:11:59.000 INFO: shutting down\n")
    outcome = classify(state="FAILED", exit_code=1, output=tmp_path, job_log="", job_id="12")
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, code)
    assert code in outcome.reason


def test_too_few_proteins_is_no_psm_found_as_in_alphakraken():
    assert fc.code_from_log_text("ERROR: TOO_FEW_PROTEINS\n")[0] == "NO_PSM_FOUND"


@pytest.mark.parametrize(("log", "code"), [
    (f"{PREAMBLE}0:03:00.000 ERROR: something nobody has seen before\n", "__UNKNOWN_ERROR"),
    ("0:00:00.001 INFO: alphadia 1.10.0\n0:00:03.000 INFO: killed\n", "__COULD_NOT_DETERMINE_ERROR"),
    (None, "__NO_LOG_FILE"),
])
def test_new_errors_are_error(tmp_path, log, code):
    if log is not None:
        (tmp_path / "log.txt").write_text(log)
    outcome = classify(state="FAILED", exit_code=1, output=tmp_path, job_log="", job_id="12")
    assert (outcome.status, outcome.code) == (RawFileStatus.ERROR, code)


def test_exception_events_win_over_the_log_and_all_codes_are_kept(tmp_path):
    events = tmp_path / "quant" / "x" / "events.jsonl"
    events.parent.mkdir(parents=True)
    events.write_text("\n".join(json.dumps(e) for e in [
        {"name": "exception", "error_code": "TOO_FEW_PSM"}, {"name": "progress", "error_code": "IGNORED"},
        "not json", {"name": "exception", "error_code": "NO_OPTIMIZATION_LOCK_TARGET"}]) + "\n{broken\n")
    (tmp_path / "log.txt").write_text("ERROR: something nobody has seen before\n")
    outcome = classify(state="FAILED", exit_code=1, output=tmp_path, job_log="")
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, "TOO_FEW_PSM;NO_OPTIMIZATION_LOCK_TARGET")


def test_a_completed_job_is_not_judged_by_error_lines_in_its_log(tmp_path):
    (tmp_path / "log.txt").write_text("ERROR: something nobody has seen before\n")
    assert classify(state="COMPLETED", exit_code=0, output=tmp_path, job_log="").code == "MISSING_RESULTS"
