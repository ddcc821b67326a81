"""The companion's mzQC downloads: `GET /raw_files/{id}/mzqc` (one raw file) and
`GET /mzqc?instrument=..&series=..&since=..&until=..` (a selection; any of the four, dates as 2026-03-01 or ISO
times). Both answer `application/json` as an attachment named `*.mzqc`; a request that cannot be exported gets
the page that says why (404 for an unknown raw file or no metrics, 400 for a bad selection)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pymongo.database import Database
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kraken_core.config.qc import QcConfig
from kraken_core.qc.mzqc import MEDIA_TYPE, to_json
from kraken_core.qc.mzqc_export import (
    ExportRefused, NothingToExport, Selection, raw_file_document, raw_file_export_name, selection_document,
)
from kraken_ui_ext.companion.recent_record import RecentRecord

SELECTION_PARAMETERS = ("instrument", "series", "since", "until")
Refusal = Callable[[Request, int, str], Response]


def _download(request: Request, build: Callable[[], tuple[dict[str, Any], str]], refuse: Refusal) -> Response:
    try:
        document, file_name = build()
    except NothingToExport as err:
        return refuse(request, 404, str(err))
    except ExportRefused as err:
        return refuse(request, 400, str(err))
    return Response(to_json(document), media_type=MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


def mzqc_routes(db: Database, qc: QcConfig, instruments: Iterable[str], refuse: Refusal,
                recent: RecentRecord | None = None) -> list[Route]:
    """The two download routes; the raw file's must come before the raw file page's route (`{id:path}`). A
    selection of the last weeks is read from the companion's `recent` raw files and metrics."""
    known = sorted(instruments)

    def raw_file_mzqc(request: Request) -> Response:
        raw_file_id = request.path_params["raw_file_id"]
        return _download(request, lambda: (raw_file_document(db, raw_file_id), raw_file_export_name(raw_file_id)),
                         refuse)

    def selection_mzqc(request: Request) -> Response:
        def build():
            selection = Selection.from_text(*(request.query_params.get(p, "").strip() for p in SELECTION_PARAMETERS))
            return selection_document(db, selection, qc, known, reads=recent), selection.file_name()
        return _download(request, build, refuse)

    return [Route("/raw_files/{raw_file_id:path}/mzqc", raw_file_mzqc), Route("/mzqc", selection_mzqc)]
