"""Numbers and a markdown summary of a lifecycle run, for the Dagster UI and the logs."""

from __future__ import annotations

from typing import Any

from kraken_core.lifecycle.mode import LifecycleMode
from kraken_core.lifecycle.outcomes import InstrumentReport

GB = 1e9
MAX_ROWS = 50


def _gb(value: int | None) -> str:
    return "-" if value is None else f"{value / GB:.3f}"


def _bytes_of(reports: list[InstrumentReport], action: str) -> int:
    return sum(o.bytes for r in reports for o in r.outcomes if o.action == action)


def run_totals(reports: list[InstrumentReport]) -> dict[str, Any]:
    return {
        "files_moved": sum(r.count("moved") for r in reports),
        "files_would_move": sum(r.count("would_move") for r in reports),
        "files_deleted": sum(r.count("deleted") for r in reports),
        "files_would_delete": sum(r.count("would_delete") for r in reports),
        "files_refused": sum(r.count("refused") for r in reports),
        "gb_freed": round(_bytes_of(reports, "deleted") / GB, 6),
        "gb_would_free": round(_bytes_of(reports, "would_delete") / GB, 6),
        "errors": sum(r.errors for r in reports),
    }


def instrument_rows(reports: list[InstrumentReport], max_errors: int) -> list[dict[str, Any]]:
    return [
        {
            "instrument": r.instrument_id,
            "free_gb_before": None if r.free_before is None else round(r.free_before / GB, 3),
            "free_gb_after": None if r.free_after is None else round(r.free_after / GB, 3),
            "needed_gb": round(r.need_bytes / GB, 3),
            "freed_gb": round(r.freed_bytes / GB, 3),
            "errors": r.errors,
            "state": "failed" if r.failed(max_errors) else (r.skipped and "skipped") or "ok",
            "note": r.error or r.skipped or "",
        }
        for r in reports
    ]


def refusals(reports: list[InstrumentReport]) -> list[dict[str, str]]:
    return [
        {"instrument": r.instrument_id, "raw_file_id": o.raw_file_id, "reason": o.reason}
        for r in reports
        for o in r.refusals()
    ]


def summary_markdown(step: str, mode: LifecycleMode, reports: list[InstrumentReport], max_errors: int) -> str:
    totals = run_totals(reports)
    lines = [f"**{step}** ({mode.label}: {mode.reason})", ""]
    lines += ["| instrument | free GB before | free GB after | needed GB | freed GB | errors | state |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for r in reports:
        state = "failed" if r.failed(max_errors) else ("skipped" if r.skipped else "ok")
        lines.append(f"| {r.instrument_id} | {_gb(r.free_before)} | {_gb(r.free_after)} | {_gb(r.need_bytes)} | "
                     f"{_gb(r.freed_bytes)} | {r.errors} | {state} |")
    notes = [f"- {r.instrument_id}: {r.error or r.skipped}" for r in reports if r.error or r.skipped]
    if notes:
        lines += ["", *notes]
    done = [(r.instrument_id, o) for r in reports for o in r.outcomes if o.action != "skipped"]
    if done:
        lines += ["", "| instrument | raw file | action | GB | reason |", "|---|---|---|---:|---|"]
        for instrument_id, o in done[:MAX_ROWS]:
            lines.append(f"| {instrument_id} | `{o.raw_file_id}` | {o.action} | {o.bytes / GB:.3f} | "
                         f"{o.reason.replace('|', '/')} |")
        if len(done) > MAX_ROWS:
            lines.append(f"\n{len(done) - MAX_ROWS} more in the instrument_file_log collection")
    lines += ["", ", ".join(f"{k}: {v}" for k, v in totals.items())]
    return "\n".join(lines)
