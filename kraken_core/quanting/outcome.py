"""What a finished job means for the raw file: `done`, `quanting_failed` (with a known reason) or `error`.

As in AlphaKraken v1.0: a failed AlphaDIA job with a known failure code (`failure_codes`), a time limit, running
out of memory or a failed custom tool is a quiet `quanting_failed` carrying its code; a failure whose code is not
known (`__UNKNOWN_ERROR`, `__NO_LOG_FILE`, `__COULD_NOT_DETERMINE_ERROR`) or a job ended in another way is `error`,
so that someone looks at it. A completed job succeeded when the metrics plugin of its `metrics_type` finds the
tool's output (`kraken_core.quanting.metrics`); AlphaDIA's must also hold identifications.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kraken_core.quanting import failure_codes as fc
from kraken_core.quanting.metrics import alphadia
from kraken_core.quanting.metrics.registry import UnknownMetricsType, plugin_for
from kraken_core.statuses import RawFileStatus

_OOM = re.compile(r"Exceeded job memory limit|oom[-_ ]kill|Out Of Memory|OUT_OF_MEMORY", re.I)


@dataclass(frozen=True)
class Outcome:
    status: RawFileStatus
    reason: str
    code: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == RawFileStatus.DONE


def classify(
    *, state: str, exit_code: int | None, output: Path, job_log: str, software_type: str = "alphadia",
    metrics_type: str | None = None, job_id: str | None = None,
) -> Outcome:
    """Decide from the Slurm state, the job log and the output folder (as the workers see it); `metrics_type`
    (default: the software type) names the plugin whose output a completed job must have written."""
    job = f"job {job_id}" if job_id else "the job"
    if state == "OUT_OF_MEMORY" or (state != "COMPLETED" and _OOM.search(job_log)):
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job} ran out of memory (over --mem); raise slurm_mem",
                       "OUT_OF_MEMORY")
    if state in {"TIMEOUT", "DEADLINE"}:
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job} hit its time limit (--time); raise slurm_time",
                       "TIMEOUT")
    if state == "FAILED" and software_type != "alphadia":
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job} of the custom tool failed with exit code {exit_code}",
                       "FAILED")
    codes = fc.event_error_codes(output) if output.is_dir() else []
    if codes:
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job}: AlphaDIA reported {';'.join(codes)}", ";".join(codes))
    if state == "COMPLETED" and exit_code in (0, None):
        return _completed(output, job, metrics_type or software_type)
    if state == "UNKNOWN":
        return Outcome(RawFileStatus.ERROR, f"the cluster does not know {job} any more (neither scontrol nor "
                       f"sacct); check the job log and resubmit", "UNKNOWN")
    if state == "CANCELLED":
        return Outcome(RawFileStatus.ERROR, f"{job} was cancelled on the cluster; resubmit if that was a mistake",
                       "CANCELLED")
    if state != "FAILED":
        return Outcome(RawFileStatus.ERROR, f"{job} ended {state} with exit code {exit_code}; {_last_error(job_log)}",
                       state)
    code, line = fc.log_error_code(output) if output.is_dir() else (fc.NO_LOG_FILE, None)
    if code not in fc.NEW_ERRORS:
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job}: AlphaDIA failed with {code} ({line})", code)
    cause = f"last ERROR line of log.txt: {line}" if line else (
        "no ERROR line in log.txt" if code == fc.COULD_NOT_DETERMINE_ERROR else
        f"no log.txt in {output}; {_last_error(job_log)}")
    return Outcome(RawFileStatus.ERROR, f"{job} failed with exit code {exit_code}, an error not known yet: {cause}; "
                   f"add it to the known failures if it is the data's fault", code)


def _completed(output: Path, job: str, metrics_type: str) -> Outcome:
    if not output.is_dir():
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job} exited 0 but wrote no output folder {output}",
                       "MISSING_RESULTS")
    try:
        plugin = plugin_for(metrics_type)
    except UnknownMetricsType as err:
        return Outcome(RawFileStatus.ERROR, f"{job} completed, but {err}", "UNKNOWN_METRICS_TYPE")
    missing = plugin.missing_outputs(output)
    if missing:
        return Outcome(RawFileStatus.QUANTING_FAILED,
                       f"{job} exited 0 but {plugin.tool}'s {', '.join(missing)} missing in {output}", "MISSING_RESULTS")
    if plugin is not alphadia.PLUGIN:
        return Outcome(RawFileStatus.DONE, f"{job} completed, {plugin.tool} output found")
    metrics = alphadia.stat_metrics(output)
    if not metrics.get("precursors") or alphadia.precursor_table(output).empty:
        return Outcome(RawFileStatus.QUANTING_FAILED, f"{job} exited 0 with zero identifications",
                       "NO_IDENTIFICATIONS")
    return Outcome(RawFileStatus.DONE, f"{job} completed with {int(metrics['precursors'])} precursors")


def _last_error(job_log: str) -> str:
    last = next((line.strip() for line in reversed(job_log.splitlines()) if line.startswith("ERROR")), None)
    return f"last error in the job log: {last}" if last else "no known cause, see the job log"


# AlphaKraken truncates `status_details` of a finished quantification to this many characters
MAX_STATUS_DETAILS_LENGTH = 1024
UNKNOWN_SETTINGS = "n/a"


def alphakraken_failure_details(failures: list[tuple[str, str]]) -> str:
    """`error while processing: [<settings name>] CODE;CODE; [<other settings>] CODE`, AlphaKraken's form for a
    failed quantification (its dashboards and failure statistics read the codes from it), truncated as it does."""
    details = "error while processing: " + "; ".join(f"[{name}] {codes}" for name, codes in failures)
    if len(details) > MAX_STATUS_DETAILS_LENGTH:
        details = details[: MAX_STATUS_DETAILS_LENGTH - 3] + "..."
    return details


def raw_file_status(outcomes: list[Outcome], settings_names: list[str] | None = None) -> tuple[RawFileStatus, str]:
    """All jobs of a raw file together: done only if all are; an unexplained failure outranks a known one.

    `settings_names` names each outcome's settings (same order). Known failures are written in AlphaKraken's form
    with their codes; an unexplained one keeps its reason, which says what to look at. The readable reason of
    every job stays in the raw file's `quanting_jobs`.
    """
    names = list(settings_names or [])
    names += [UNKNOWN_SETTINGS] * (len(outcomes) - len(names))
    errors = [o.reason for o in outcomes if o.status == RawFileStatus.ERROR]
    if errors:
        return RawFileStatus.ERROR, "; ".join(errors)
    failed = [(name, o.code or o.reason) for name, o in zip(names, outcomes, strict=False)
              if o.status == RawFileStatus.QUANTING_FAILED]
    if failed:
        return RawFileStatus.QUANTING_FAILED, alphakraken_failure_details(failed)
    return RawFileStatus.DONE, "; ".join(o.reason for o in outcomes)
