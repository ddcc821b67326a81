"""The companion app: Starlette routes over the record, rendered with Jinja2; every asset served locally."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from pymongo.database import Database
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from kraken_core.qc.annotation_kinds import ANNOTATION_KINDS
from kraken_core.numbers import human_size
from kraken_core.quanting.metric_names import with_alphakraken_names
from kraken_core.quanting.requantify import REQUANTIFIABLE_STATUSES
from kraken_core.record.accounts import Account, authenticate, end_sessions
from kraken_core.record.annotations import AnnotationError, annotations_of
from kraken_core.record.connection import open_database
from kraken_core.record.quanting_jobs import metrics_of
from kraken_core.record.raw_files import get_raw_file, project_ids
from kraken_core.record.requantify import request_requantification
from kraken_core.record.settings_catalog import (
    InvalidInput,
    archive_settings,
    assign_settings,
    create_project,
    create_settings_version,
    find_settings,
    list_projects,
    list_settings,
    project_assignments,
    remove_assignment,
    settings_label,
)
from kraken_core.settings_resolution import resolve_settings
from kraken_ui_ext.api.app import build_api
from kraken_ui_ext.api.endpoints import ApiContext
from kraken_ui_ext.companion import auth
from kraken_ui_ext.companion.access import UPSTREAM_HEADER, decide, is_api_path
from kraken_ui_ext.companion.colour_scale import ColumnScale
from kraken_ui_ext.companion.csv_export import overview_csv
from kraken_ui_ext.companion.mzqc_download import mzqc_routes
from kraken_ui_ext.companion.projects_view import with_configured_projects
from kraken_ui_ext.companion.overview import PAGE_SIZE, OverviewFilters, build_overview, metric_groups
from kraken_ui_ext.companion.record_views import ALL_STATUSES, STATUS_GROUPS, format_duration, status_class
from kraken_ui_ext.companion.settings import CompanionSettings
from kraken_ui_ext.companion.tool_form import settings_form_values
from kraken_ui_ext.companion.status_view import (
    NON_TERMINAL,
    entity_statuses,
    throughput,
    time_in_status,
    unfinished_raw_files,
    waiting_counts,
)
from kraken_ui_ext.companion.svg_plot import PALETTE, bar_svg, format_number
from kraken_ui_ext.companion.throttle import LoginThrottle
from kraken_ui_ext.companion.recent_record import RecentRecord
from kraken_ui_ext.companion.trends import COLOUR_COLUMNS, TREND_LINES, TrendFilters, build_trends
from kraken_ui_ext.companion.annotation_form import record_annotation
from kraken_ui_ext.companion.control_chart import ChartFilters, build_control_chart, key_label
from kraken_ui_ext.companion.control_chart_figure import state_text
from kraken_ui_ext.companion.page_json import script_json
from kraken_ui_ext.companion.plotly_bundle import plotly_js
from kraken_ui_ext.companion.trend_figures import trend_figures
from kraken_ui_ext.key_metrics import TREND_METRICS
from kraken_ui_ext.companion.favicon import FAVICON, favicon
from kraken_ui_ext.companion.raw_file_view import partition_links, raw_file_page_context

HERE = Path(__file__).parent
_PREFIX = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
_SITE_PATH = re.compile(r"^/(?![/\\])[^\s\\]*$")


def url_prefix(request: Request) -> str:
    """The path the app is served under behind a proxy (nginx sends X-Forwarded-Prefix: /companion), or ''."""
    prefix = request.headers.get("x-forwarded-prefix", "").rstrip("/")
    return prefix if _PREFIX.match(prefix) else ""


def format_cell(value: Any) -> str:
    """A record value for a table cell: floats to 5 significant digits, times in UTC, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.5g}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def build_app(settings: CompanionSettings, db: Database | None = None, throttle: LoginThrottle | None = None,
              recent: RecentRecord | None = None) -> Starlette:
    db = db if db is not None else open_database(settings.mongo)
    throttle = throttle or LoginThrottle()
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["num"] = format_number
    templates.env.filters["cell"] = format_cell
    templates.env.filters["size"] = human_size
    instruments = sorted(settings.instrument_vendors)
    recent = recent or RecentRecord(db)

    def session(request: Request) -> Account | None:
        return auth.session_account(settings.session_secret, db, request)

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        account = session(request)
        base = {"request": request, "user": account.name if account else None, "role": account.role if account else "",
                "can_admin": bool(account and account.has_role("admin")),
                "can_operate": bool(account and account.has_role("operator")), "root": url_prefix(request),
                "dagster_url": settings.webserver_base_url, "form_token": auth.form_token(settings.session_secret, request),
                "page": name.removesuffix(".html"), "status_class": status_class}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)

    def known_projects() -> list[str]:
        return sorted({*project_ids(db), *settings.project_ids})

    def overview_page(request: Request) -> Response:
        now = datetime.now(UTC)
        filters = OverviewFilters.from_query(request.query_params, settings.overview_columns)
        overview = build_overview(db, filters, now, recent=recent)
        scales = {m.name: ColumnScale(m, [v for r in overview.page_rows if (v := r.metrics.get(m.name)) is not None])
                  for m in filters.metrics}
        return render(request, "overview.html", {
            "overview": overview, "filters": filters, "now": now, "scales": scales, "metrics": filters.metrics,
            "metric_groups": metric_groups(),
            "instruments": instruments, "projects": known_projects(), "statuses": ALL_STATUSES,
            "status_groups": sorted(STATUS_GROUPS), "page_size": PAGE_SIZE,
            "partition_links": partition_links(db, [row.doc for row in overview.page_rows], settings, now),
        })

    def overview_download(request: Request) -> Response:
        filters = OverviewFilters.from_query(request.query_params, settings.overview_columns)
        overview = build_overview(db, filters, datetime.now(UTC), all_metrics=True, recent=recent)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Response(overview_csv(overview.rows, settings.webserver_base_url, filters.metrics), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="raw_files_{stamp}.csv"'})

    def trends_page(request: Request) -> Response:
        filters = TrendFilters.from_query(request.query_params)
        now = datetime.now(UTC)
        trends = build_trends(db, filters, now, recent)
        figures = trend_figures(db, trends, url_prefix(request), settings.qc.baseline_reset_kinds,
                                now - timedelta(days=filters.days))
        return render(request, "trends.html", {
            "trends": trends, "filters": filters, "metrics": TREND_METRICS, "instruments": instruments,
            "projects": known_projects(), "figures": [script_json(f) for f in figures],
            "colour_columns": COLOUR_COLUMNS, "trend_lines": TREND_LINES,
        })

    def control_chart_page(request: Request) -> Response:
        filters = ChartFilters.from_query(request.query_params)
        chart = build_control_chart(db, settings.qc, instruments, filters, url_prefix(request))
        return render(request, "control_chart.html", {
            "chart": chart, "filters": filters, "instruments": instruments, "key_label": key_label,
            "state_text": state_text, "figure_json": script_json(chart.figure) if chart.figure else "",
        })

    def annotations_page(request: Request, problems: list[str] | None = None, values: dict | None = None,
                         status_code: int = 200) -> Response:
        instrument = (values or {}).get("instrument") or request.query_params.get("instrument", "")
        instrument = instrument if instrument in instruments else (instruments[0] if instruments else "")
        return render(request, "annotations.html", {
            "instrument": instrument, "instruments": instruments, "kinds": ANNOTATION_KINDS,
            "annotations": list(reversed(annotations_of(db, instrument))) if instrument else [],
            "reset_kinds": [str(k) for k in settings.qc.baseline_reset_kinds], "problems": problems or [],
            "values": values or {}, "message": request.query_params.get("msg", ""),
        }, status_code=status_code)

    async def create_annotation_route(request: Request) -> Response:
        """Operator: record an instrument event; bad input comes back beside the form with what to change."""
        account, form, refusal = await allowed_write(request, "operator", "record maintenance annotations")
        if refusal is not None:
            return refusal
        values = {key: str(form.get(key, "")) for key in ("instrument", "kind", "occurred_at", "text")}
        try:
            doc = record_annotation(db, values, instruments, account.name, datetime.now(UTC))
        except AnnotationError as err:
            return annotations_page(request, [str(err)], values, status_code=400)
        message = f"{doc['kind']} on {doc['instrument_id']} at {doc['occurred_at']:%Y-%m-%d %H:%M} UTC recorded"
        query = urlencode({"instrument": doc["instrument_id"], "msg": message})
        return RedirectResponse(f"{url_prefix(request)}/annotations?{query}", status_code=303)

    def status_page(request: Request) -> Response:
        now = datetime.now(UTC)
        try:
            weeks = min(max(int(request.query_params.get("weeks", "4")), 1), 26)
        except ValueError:
            weeks = 4
        unfinished = unfinished_raw_files(db)
        entities = entity_statuses(db, instruments, settings.heartbeat_interval_s, now, waiting_counts(unfinished))
        flow = throughput(db, now, weeks, recent)
        charts = []
        for i, instrument in enumerate(sorted(flow.samples)):
            colour = PALETTE[i % len(PALETTE)]
            charts.append((instrument,
                           bar_svg([(f"{d:%b %d}", flow.samples[instrument].get(d, 0)) for d in flow.days],
                                   title=f"{instrument}: samples per day", unit="samples", colour=colour),
                           bar_svg([(f"{d:%b %d}", flow.gigabytes[instrument].get(d, 0.0)) for d in flow.days],
                                   title=f"{instrument}: GB per day", unit="GB", colour=colour)))
        waiting = [s for s in NON_TERMINAL if any(e.waiting.get(s) for e in entities)]
        return render(request, "status.html", {"entities": entities, "charts": charts, "flow": flow,
                                               "weeks": weeks, "now": now, "waiting_statuses": waiting,
                                               "in_status": time_in_status(unfinished, now),
                                               "format_duration": format_duration})

    def projects_page(request: Request, problems: list[str] | None = None, values: dict | None = None,
                      status_code: int = 200) -> Response:
        projects, settings_docs = with_configured_projects(list_projects(db), settings.project_ids), list_settings(db)
        assignments = project_assignments(db)
        settings_by_id = {s["_id"]: s for s in settings_docs}
        preview_project = request.query_params.get("preview_project") or (projects[0]["_id"] if projects else "")
        preview_file = request.query_params.get("preview_file", "").strip() or None
        preview = []
        if preview_project:
            mine = [a for a in assignments if a.get("project") == preview_project]
            for instrument in instruments:
                resolved = resolve_settings(mine, settings_by_id, instrument_id=instrument,
                                            vendor=settings.instrument_vendors[instrument], raw_file_id=preview_file)
                preview.append((instrument, settings.instrument_vendors[instrument], resolved))
        return render(request, "projects.html", {
            "projects": projects, "settings_list": settings_docs, "assignments": assignments,
            "settings_by_id": settings_by_id, "tools": settings.tools, "instruments": instruments, "vendors": sorted(set(settings.instrument_vendors.values())),
            "preview": preview, "preview_project": preview_project, "preview_file": preview_file or "",
            "problems": problems or [], "values": values or {}, "message": request.query_params.get("msg", ""),
        }, status_code=status_code)

    async def allowed_write(request: Request, role: str, what: str) -> tuple[Account | None, Any, Response | None]:
        """A write needs a session with `role` and the form token of that session; else the page that says why."""
        account = session(request)
        if account is None:
            return None, None, render(request, "message.html", {"title": "Not logged in",
                                                                "text": f"Log in to {what}."}, status_code=401)
        if not account.has_role(role):
            return None, None, render(request, "message.html", {
                "title": "Not allowed", "text": f"{account.name} is {account.role}; to {what} needs the {role} role "
                                                f"(an admin changes roles)."}, status_code=403)
        form = await request.form()
        if not auth.form_token_valid(settings.session_secret, request, str(form.get("form_token", ""))):
            return None, None, render(request, "message.html", {
                "title": "Form expired", "text": "The form is out of date; reload the page and try again."},
                status_code=403)
        return account, form, None

    async def write(request: Request, action) -> Response:
        """Every project and settings write: an admin, a valid form token, validated input; problems beside the forms."""
        account, form, refusal = await allowed_write(request, "admin", "change projects and settings")
        if refusal is not None:
            return refusal
        values = {key: (form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key)) for key in form.keys()}
        try:
            message = action(values, account.name)
        except InvalidInput as err:
            return projects_page(request, err.problems, values, status_code=400)
        return RedirectResponse(f"{url_prefix(request)}/projects?{urlencode({'msg': message})}", status_code=303)

    async def create_project_route(request: Request) -> Response:
        return await write(request, lambda v, user: f"project {create_project(db, v, user)['_id']} created")

    async def create_settings_route(request: Request) -> Response:
        def action(values, user):
            doc = create_settings_version(db, settings_form_values(values), user, settings.tools)
            return f"settings {doc['name']} version {doc['version']} created"
        return await write(request, action)

    async def archive_settings_route(request: Request) -> Response:
        settings_id = request.path_params["settings_id"]

        def action(values, user):
            archive_settings(db, settings_id)
            return f"{settings_id} made inactive"
        return await write(request, action)

    async def assign_route(request: Request) -> Response:
        def action(values, user):
            doc = assign_settings(db, values, settings.instrument_vendors, user)
            label = settings_label(find_settings(db, doc["settings"]) or {})
            return f"{label} assigned to project {doc['project']} for {doc['scope']}"
        return await write(request, action)

    async def remove_assignment_route(request: Request) -> Response:
        assignment_id = request.path_params["assignment_id"]

        def action(values, user):
            remove_assignment(db, assignment_id)
            return "assignment removed"
        return await write(request, action)

    async def requantify_route(request: Request) -> Response:
        """Operator: ask for a raw file to be quantified again; the requantify_requests sensor starts the run."""
        account, form, refusal = await allowed_write(request, "operator", "quantify a raw file again")
        if refusal is not None:
            return refusal
        raw_file_id = str(form.get("raw_file_id", ""))
        doc = get_raw_file(db, raw_file_id)
        if doc is None or doc.get("status") not in REQUANTIFIABLE_STATUSES:
            text = (f"{raw_file_id} is not in the record." if doc is None else
                    f"{raw_file_id} is {doc.get('status')}; only {', '.join(sorted(REQUANTIFIABLE_STATUSES))} "
                    f"raw files are quantified again.")
            return render(request, "message.html", {"title": "Not quantified again", "text": text}, status_code=400)
        request_requantification(db, [raw_file_id], account.name)
        message = "re-quantification requested; it starts within a minute (requantify_raw_files in Dagster)"
        return RedirectResponse(f"{url_prefix(request)}/raw_files/{quote(raw_file_id)}?{urlencode({'msg': message})}",
                                status_code=303)

    def raw_file_page(request: Request) -> Response:
        raw_file_id = request.path_params["raw_file_id"]
        doc = get_raw_file(db, raw_file_id)
        if doc is None:
            return render(request, "message.html", {"title": "Unknown raw file",
                                                    "text": f"{raw_file_id} is not in the record."}, status_code=404)
        metrics = [with_alphakraken_names(m) for m in reversed(metrics_of(db, raw_file_id))]  # newest first
        return render(request, "raw_file.html", {
            "doc": doc, "metrics_docs": metrics, "message": request.query_params.get("msg", ""),
            "requantifiable": doc.get("status") in REQUANTIFIABLE_STATUSES,
            **raw_file_page_context(doc, metrics, settings, datetime.now(UTC)),
        })

    async def login(request: Request) -> Response:
        """`next`: a page of this app; `return_to`: a path of the whole site (nginx sends it for the Dagster UI)."""
        source = request.query_params if request.method == "GET" else await request.form()
        next_url, return_to = str(source.get("next") or "/overview"), str(source.get("return_to") or "")
        if not _SITE_PATH.match(next_url):
            next_url = "/overview"
        if not _SITE_PATH.match(return_to):
            return_to = ""
        fields = {"next": next_url, "return_to": return_to}
        if request.method == "GET":
            return render(request, "login.html", {"error": "", **fields})
        name, address = str(source.get("user", "")).strip().lower(), auth.client_address(request)
        wait = throttle.retry_after(name, address)
        if wait:
            response = render(request, "login.html", {
                "error": f"Too many failed logins: try again in {wait // 60 + 1} minutes.", **fields}, status_code=429)
            response.headers["Retry-After"] = str(wait)
            return response
        account = authenticate(db, name, str(source.get("password", "")))
        if account is None:
            throttle.failed(name, address)
            return render(request, "login.html", {"error": "Unknown user or wrong password.", **fields},
                          status_code=401)
        throttle.succeeded(name)
        response = RedirectResponse(return_to or url_prefix(request) + next_url, status_code=303)
        auth.start_session(response, settings.session_secret, account, request)
        return response

    def logout(request: Request) -> Response:
        """Ends the person's sessions everywhere (the account's session version moves on), not only this cookie."""
        account = session(request)
        if account is not None:
            end_sessions(db, account.name)
        response = RedirectResponse(f"{url_prefix(request)}/login", status_code=303)
        auth.end_session_cookie(response, request)
        return response

    def check(request: Request) -> Response:
        """nginx's auth_request: may this request (X-Original-URI, X-Original-Method) go on, and to which webserver."""
        path = request.headers.get("x-original-uri", "/").split("?", 1)[0]
        method = request.headers.get("x-original-method", "GET")
        decision = decide(path, method, session(request), auth.bearer_account(db, request),
                          auth.bearer_account(db, request, "api") if is_api_path(path) else None)
        headers = {UPSTREAM_HEADER: decision.upstream} if decision.upstream else {}
        if decision.status == 401 and path.startswith("/mcp"):
            headers["WWW-Authenticate"] = 'Bearer realm="alphakraken"'
        return JSONResponse({"reason": decision.reason}, status_code=decision.status, headers=headers)

    def healthz(request: Request) -> Response:
        db.command("ping")
        return PlainTextResponse("ok")

    routes = [
        Route("/", lambda request: RedirectResponse(f"{url_prefix(request)}/overview")),
        Route("/overview", overview_page),
        Route("/overview.csv", overview_download),
        Route("/trends", trends_page),
        Route("/control_chart", control_chart_page),
        Route("/annotations", annotations_page),
        Route("/annotations/new", create_annotation_route, methods=["POST"]),
        Route("/status", status_page),
        Route("/projects", projects_page),
        Route("/projects/new", create_project_route, methods=["POST"]),
        Route("/settings/new", create_settings_route, methods=["POST"]),
        Route("/settings/{settings_id}/archive", archive_settings_route, methods=["POST"]),
        Route("/assignments/new", assign_route, methods=["POST"]),
        Route("/assignments/{assignment_id}/delete", remove_assignment_route, methods=["POST"]),
        Route("/requantify", requantify_route, methods=["POST"]),
        *mzqc_routes(db, settings.qc, instruments, lambda request, status, text: render(
            request, "message.html", {"title": "No mzQC export", "text": text}, status_code=status), recent),
        Route("/raw_files/{raw_file_id:path}", raw_file_page),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/auth", check, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        Route("/healthz", healthz),
        Mount("/api/v1", build_api(ApiContext(db, dict(settings.instrument_vendors), settings.qc),
                                   settings.session_secret)),
        Route(FAVICON, favicon),
        Route("/static/vendor/plotly.min.js", plotly_js),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes)

