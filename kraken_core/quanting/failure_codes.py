"""Failure codes of AlphaDIA jobs, the same ones AlphaKraken v1.0 writes into `status_details`.

A failed AlphaDIA job is explained, in this order, by the `error_code` of the exception events AlphaDIA wrote for
the raw file (`quant/<stem>/events.jsonl`, `.progress/<stem>/events.jsonl` before 1.9), else by the last line of
the output's `log.txt` that contains `ERROR`, matched against the table below (first matching text wins, as in
AlphaKraken). A last ERROR line that matches nothing is `__UNKNOWN_ERROR`; no `log.txt` is `__NO_LOG_FILE`; a log
without any ERROR line is `__COULD_NOT_DETERMINE_ERROR`. These three are new failures that someone has to look at
(AlphaKraken fails the task and the raw file ends `error`); every other code is a known, quiet `quanting_failed`.
"""

from __future__ import annotations

import json
from pathlib import Path

LOG_FILE = "log.txt"
NO_LOG_FILE = "__NO_LOG_FILE"
UNKNOWN_ERROR = "__UNKNOWN_ERROR"
COULD_NOT_DETERMINE_ERROR = "__COULD_NOT_DETERMINE_ERROR"
NEW_ERRORS = frozenset({NO_LOG_FILE, UNKNOWN_ERROR, COULD_NOT_DETERMINE_ERROR})

# (code, text that identifies it in the last ERROR line); order matters: the first match wins. The codes and
# texts are AlphaKraken's (airflow_src/plugins/common/constants.py), so a lab's existing records, filters and
# dashboards keep working. As there, a line with TOO_FEW_PROTEINS is NO_PSM_FOUND (its entry comes first).
LOG_ERROR_TEXTS: tuple[tuple[str, str], ...] = (
    ("NO_PSM_FOUND", "TOO_FEW_PROTEINS"),
    ("TOO_FEW_PSM", "TOO_FEW_PSM"),
    ("TOO_FEW_PROTEINS", "TOO_FEW_PROTEINS"),
    ("NO_OPTIMIZATION_LOCK_TARGET", "NO_OPTIMIZATION_LOCK_TARGET"),
    ("NOT_VALID_DIA_DATA", "NOT_VALID_DIA_DATA"),
    ("_CANNOT_FIND_ITEM", "Cannot find item [Idx] within the current storage"),
    ("_FAILED_TO_DETERMINE_DIA_CYCLE", "Failed to determine start of DIA cycle"),
    ("_RUN_HEADER_EX", "RunHeaderEx"),
    ("_ARRAY_ERROR", "array must not contain infs or NaNs"),
    ("_FRAGMENT_MZ_TOLERANCE_MUST_BE_LESS_THAN", "fragment_mz_tolerance must be less than"),
    ("_PRECURSOR_MZ_TOLERANCE_MUST_BE_LESS_THAN", "precursor_mz_tolerance must be less than"),
    ("_NEED_AT_LEAST_ONE_ARRAY", "need at least one array to concatenate"),
    ("_NO_OBJECTS_TO_CONCATENATE", "No objects to concatenate"),
    ("_DATA_IN_LOW_DIM_SUBSPACE",
     "The data appears to lie in a lower-dimensional subspace of the space in which it is expressed"),
    ("_NO_CONSISTENT_SUBCYCLE_LENGTH", "No consistent subcycle length"),
    ("_TRAIN_SET_WILL_BE_EMPTY", "the resulting train set will be empty"),
    ("_CYCLE_NOT_CONSISTENT", "but does not consistent"),
    ("_NO_PSM_FILES", "No psm files accumulated"),
    ("_COMBINED_PSM_FILE_EMPTY", "combined psm file is empty, can't continue"),
    ("_NOT_DIA_DATA", "'TimsTOFTranspose' object has no attribute '_cycle'"),
    ("_FIRST_ARRAY_ELEMENT_EMPTY", "first array argument cannot be empty"),
    ("_ARGMAX_OF_EMPTY_SEQUENCE", "attempt to get argmax of an empty sequence"),
    ("_INTERNAL_ERROR_CANDIDATE_CONFIG", "'CandidateConfig' object has no attribute 'reporter'"),
    ("_SINGULAR_MATRIX", "Matrix is singular to machine precision"),
    ("_READ_BEYOND_STREAM1", "ERROR: Attempt to read beyond end of scan stream"),
    ("_READ_BEYOND_STREAM2", "ERROR: Unable to read beyond the end of the stream."),
    ("_OUT_OF_BOUNDS", "single positional indexer is out-of-bounds"),
)


def event_error_codes(output: Path, raw_file_stem: str | None = None) -> list[str]:
    """The `error_code` of every exception event AlphaDIA wrote (for this raw file, if its stem is given)."""
    stem = raw_file_stem or "*"
    codes: list[str] = []
    for path in sorted(output.glob(f"quant/{stem}/events.jsonl")) + sorted(output.glob(f".progress/{stem}/events.jsonl")):
        for line in path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("name") == "exception" and event.get("error_code"):
                codes.append(str(event["error_code"]))
    return codes


def code_from_log_text(text: str) -> tuple[str, str | None]:
    """(code, the last ERROR line) for the text of an AlphaDIA log."""
    last = next((line.strip() for line in reversed(text.splitlines()) if "ERROR" in line), None)
    if last is None:
        return COULD_NOT_DETERMINE_ERROR, None
    return next((code for code, needle in LOG_ERROR_TEXTS if needle in last), UNKNOWN_ERROR), last


def log_error_code(output: Path) -> tuple[str, str | None]:
    """(code, the last ERROR line) from the output folder's `log.txt`."""
    path = output / LOG_FILE
    if not path.is_file():
        return NO_LOG_FILE, None
    return code_from_log_text(path.read_text(errors="replace"))


def failure_codes(output: Path, raw_file_stem: str | None = None) -> tuple[list[str], str | None]:
    """The codes that explain a failed AlphaDIA job (events first, else the log), and the log line used."""
    codes = event_error_codes(output, raw_file_stem) if output.is_dir() else []
    if codes:
        return codes, None
    if not output.is_dir():
        return [NO_LOG_FILE], None
    code, line = log_error_code(output)
    return [code], line
