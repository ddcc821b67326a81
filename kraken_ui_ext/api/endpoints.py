"""The REST API's endpoints: each one's path, parameters, answer schema and handler, read by the router
(kraken_ui_ext/api/app.py) and by the OpenAPI document (kraken_ui_ext/api/openapi.py) alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database
from starlette.requests import Request

from kraken_core.config.qc import QcConfig
from kraken_core.qc.annotation_kinds import ANNOTATION_KINDS
from kraken_core.record.api_reads import annotations_newest_first, metrics_of_each, newest_raw_file
from kraken_core.record.raw_files import get_raw_file
from kraken_core.record.record_reads import entity_heartbeats
from kraken_ui_ext.api.params import BadParameter, Param, paging_params
from kraken_ui_ext.api.qc_status import STATES, chosen_series, qc_statuses
from kraken_ui_ext.api.raw_file_listing import MAX_SCAN, RawFileSelection, select_raw_files
from kraken_ui_ext.api.shapes import annotation_json, metrics_json, page_json, plain, raw_file_json
from kraken_ui_ext.companion.record_views import ALL_STATUSES, STATUS_GROUPS
from kraken_ui_ext.filter_language import FilterError, parse_filter


class NotFound(LookupError):
    """An id the record does not hold (answered with 404)."""


@dataclass(frozen=True)
class ApiContext:
    db: Database
    instrument_vendors: dict[str, str]
    qc: QcConfig = field(default_factory=QcConfig)


@dataclass(frozen=True)
class Endpoint:
    path: str  # Starlette path, e.g. /raw_files/{raw_file_id}
    name: str  # operationId
    summary: str
    description: str
    params: tuple[Param, ...]
    schema: str  # name of the answer's schema in kraken_ui_ext/api/schemas.py
    handler: Callable[[ApiContext, Request, dict[str, Any]], dict[str, Any]]
    public: bool = False  # no account needed
    path_params: tuple[tuple[str, str], ...] = ()  # (name, description)


def _now() -> datetime:
    return datetime.now(UTC)


INSTRUMENT = Param("instrument_id", "string", "Only this instrument (exact id).", aliases=("instrument",))
DATE_FROM = Param("date_from", "date-time", "Only from this time on (ISO 8601, UTC unless a zone is given; a date "
                                            "alone is its start).")
DATE_TO = Param("date_to", "date-time", "Only up to this time (ISO 8601; a date alone is its end).", end_of_day=True)

RAW_FILE_PARAMS = (
    INSTRUMENT,
    Param("project_id", "string", "Only this project (exact id).", aliases=("project",)),
    Param("status", "string", f"Only this status, or a group: {', '.join(sorted(STATUS_GROUPS))}."),
    Param("filter", "string", "AlphaKraken's filter language, as in the companion overview: terms joined by `&`, "
                              "each a case-insensitive regular expression (`hela`), on one column (`status=done`), "
                              "a range (`precursors=[40000,60000]`), negated with `!`.", aliases=("q",)),
    Param("name_contains", "string", "Only raw files whose id contains this text (case-insensitive)."),
    DATE_FROM,
    DATE_TO,
    Param("max_age_days", "number", "Only raw files acquired in the last this many days (as the overview's age).",
          minimum=0.001, maximum=36500, aliases=("age", "max_age")),
    *paging_params(),
    Param("include_metrics", "boolean", "Add each raw file's `metrics` documents.", True),
    Param("include_file_info", "boolean", "Add `file_info` (the files, sizes, checksums) and `backup_base_path`.",
          False),
    Param("count", "boolean", "Count `total` also when filters are checked document by document (reads up to "
                              f"{MAX_SCAN:,} raw files); without it `total` is null then.", False),
)


def _selection(params: dict[str, Any]) -> RawFileSelection:
    status = params["status"]
    if status is not None and status not in ALL_STATUSES and status not in STATUS_GROUPS:
        raise BadParameter("status", f"unknown status {status!r}; one of {', '.join(ALL_STATUSES)} or a group: "
                                     f"{', '.join(sorted(STATUS_GROUPS))}")
    text = params["filter"] or ""
    if params["name_contains"]:
        text = "&".join(t for t in (text, f"raw_file={_literal(params['name_contains'])}") if t)
    try:
        matching = parse_filter(text)
    except FilterError as err:
        raise BadParameter("filter", "; ".join(err.problems)) from None
    date_from = params["date_from"]
    if params["max_age_days"] is not None:
        since = _now() - timedelta(days=params["max_age_days"])
        date_from = max(date_from, since) if date_from else since
    if date_from and params["date_to"] and date_from > params["date_to"]:
        raise BadParameter("date_from", "is after date_to; nothing can match")
    return RawFileSelection(params["instrument_id"], params["project_id"], status, matching, date_from,
                            params["date_to"])


def _literal(text: str) -> str:
    """Text searched as it is in the filter language (a regular expression there); `&` cannot be searched."""
    if "&" in text:
        raise BadParameter("name_contains", "cannot contain '&' (it joins filter terms)")
    return re.escape(text)


def _projection(params: dict[str, Any]) -> dict[str, int] | None:
    return None if params["include_file_info"] else {"file_info": 0, "backup_base_path": 0}


def list_raw_files(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    page = select_raw_files(ctx.db, _selection(params), _projection(params), offset=params["offset"],
                            limit=params["limit"], count=params["count"])
    metrics = metrics_of_each(ctx.db, [d["_id"] for d in page.docs]) if params["include_metrics"] else {}
    data = [raw_file_json(d, file_info=params["include_file_info"],
                          metrics=metrics.get(d["_id"], []) if params["include_metrics"] else None)
            for d in page.docs]
    extra = {"truncated": True, "detail": f"stopped after reading {page.scanned:,} raw files; narrow the "
                                          f"selection (date_from, date_to, instrument_id, a single status)"} \
        if page.truncated else {}
    return page_json(data, offset=params["offset"], limit=params["limit"], total=page.total,
                     has_more=page.has_more, **extra)


def _raw_file(ctx: ApiContext, request: Request) -> dict[str, Any]:
    raw_file_id = request.path_params["raw_file_id"]
    doc = get_raw_file(ctx.db, raw_file_id)
    if doc is None:
        raise NotFound(f"raw file {raw_file_id!r} is not in the record; ids are file names, as /raw_files lists them")
    return doc


def one_raw_file(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    doc = _raw_file(ctx, request)
    metrics = metrics_of_each(ctx.db, [doc["_id"]])[doc["_id"]] if params["include_metrics"] else None
    return raw_file_json(doc, file_info=params["include_file_info"], metrics=metrics)


def raw_file_metrics(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    doc = _raw_file(ctx, request)
    docs = list(reversed(metrics_of_each(ctx.db, [doc["_id"]])[doc["_id"]]))  # newest first
    shown = docs[params["offset"]:params["offset"] + params["limit"]]
    return page_json([metrics_json(m) for m in shown], offset=params["offset"], limit=params["limit"],
                     total=len(docs), has_more=params["offset"] + len(shown) < len(docs), raw_file=doc["_id"])


def instruments(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    names = sorted(ctx.instrument_vendors)
    shown = names[params["offset"]:params["offset"] + params["limit"]]
    heartbeats = entity_heartbeats(ctx.db)
    data = []
    for instrument_id in shown:
        beat = heartbeats.get(instrument_id, {})
        newest = newest_raw_file(ctx.db, instrument_id)
        data.append({
            "id": instrument_id, "vendor": ctx.instrument_vendors[instrument_id],
            "status": beat.get("status"), "status_details": beat.get("status_details"),
            "free_space_gb": plain(beat.get("free_space_gb")), "heartbeat_at": plain(beat.get("updated_at_")),
            "newest_raw_file": None if newest is None else {
                "id": newest["_id"], "created_at": plain(newest.get("created_at")), "status": newest.get("status")},
        })
    return page_json(data, offset=params["offset"], limit=params["limit"], total=len(names),
                     has_more=params["offset"] + len(shown) < len(names))


def qc_status(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    state = params["state"]
    if state is not None and state not in STATES:
        raise BadParameter("state", f"unknown state {state!r}; one of {', '.join(STATES)}")
    instruments = [params["instrument_id"]] if params["instrument_id"] else sorted(ctx.instrument_vendors)
    keys = chosen_series(ctx.db, instruments, params["series"])
    offset, limit = params["offset"], params["limit"]
    if state is None:
        shown = qc_statuses(ctx.db, ctx.qc, keys[offset:offset + limit])
        total = len(keys)
    else:  # the state is known only once judged: judge every series, then page
        every = [s for s in qc_statuses(ctx.db, ctx.qc, keys) if s["state"] == state]
        shown, total = every[offset:offset + limit], len(every)
    extra = {} if ctx.qc.series else {"detail": "no QC series is configured (qc.series in the platform's YAML)"}
    return page_json(shown, offset=offset, limit=limit, total=total, has_more=offset + len(shown) < total, **extra)


def annotations(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    kind = params["kind"]
    if kind is not None and kind not in ANNOTATION_KINDS:
        raise BadParameter("kind", f"unknown kind {kind!r}; one of {', '.join(ANNOTATION_KINDS)}")
    offset, limit = params["offset"], params["limit"]
    docs = annotations_newest_first(ctx.db, instrument_id=params["instrument_id"], kind=kind,
                                    since=params["date_from"], until=params["date_to"], skip=offset, limit=limit + 1)
    return page_json([annotation_json(d) for d in docs[:limit]], offset=offset, limit=limit, total=None,
                     has_more=len(docs) > limit)


def health(ctx: ApiContext, request: Request, params: dict[str, Any]) -> dict[str, Any]:
    ctx.db.command("ping")  # an unreachable record is answered with 503 by the router
    return {"status": "ok", "record": "reachable", "time": plain(_now())}


RAW_FILE_ID = (("raw_file_id", "The raw file's id (its file name, URL-encoded)."),)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/health", "health", "Is the API up and the record reachable",
             "Answers 200 when the record (MongoDB) answers a ping, else 503. No account needed.",
             (), "Health", health, public=True),
    Endpoint("/raw_files", "list_raw_files", "Raw files, newest first, with their metrics",
             "AlphaKraken's `GET /raw_files/` (the same `total`, `offset`, `limit`, `data`), with the companion "
             "overview's filters. `total` is null when `filter` or `name_contains` (or a status group with time "
             "bounds) is checked document by document and `count` is not asked.",
             RAW_FILE_PARAMS, "RawFilePage", list_raw_files),
    Endpoint("/raw_files/{raw_file_id}", "get_raw_file", "One raw file",
             "The raw file's record document, with its metrics documents (oldest first) and file info.",
             (Param("include_metrics", "boolean", "Add the `metrics` documents.", True),
              Param("include_file_info", "boolean", "Add `file_info` and `backup_base_path`.", True)),
             "RawFile", one_raw_file, path_params=RAW_FILE_ID),
    Endpoint("/raw_files/{raw_file_id}/metrics", "get_raw_file_metrics", "The metrics of one raw file",
             "Every `metrics` document of the raw file (one per tool and settings version), newest first, under "
             "AlphaKraken's metric names.", paging_params(), "MetricsPage", raw_file_metrics, path_params=RAW_FILE_ID),
    Endpoint("/instruments", "list_instruments", "The configured instruments",
             "Each instrument's vendor, its last heartbeat (status, free disk) and its newest raw file.",
             paging_params(), "InstrumentPage", instruments),
    Endpoint("/qc/status", "qc_status", "Control-chart status of every QC series",
             "Per QC series, configured instrument and settings version: the newest file judged as the "
             "`qc_series_in_control` check judges it (Westgard rules and CUSUM against the baseline), with each "
             "metric's state and every violation.",
             (INSTRUMENT, Param("series", "string", "Only this series (its name in qc.series)."),
              Param("state", "string", f"Only series in this state: {', '.join(STATES)}."), *paging_params()),
             "QcStatusPage", qc_status),
    Endpoint("/annotations", "list_annotations", "Instrument annotations, newest first",
             "Maintenance events operators recorded (column changes, source cleaning, calibration, ...).",
             (INSTRUMENT, Param("kind", "string", f"Only this kind: {', '.join(ANNOTATION_KINDS)}."),
              DATE_FROM, DATE_TO, *paging_params()),
             "AnnotationPage", annotations),
)
