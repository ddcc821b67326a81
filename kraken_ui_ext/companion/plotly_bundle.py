"""plotly.js as the `plotly` Python package ships it, served by the companion itself (no CDN: the labs' networks
may not reach one, and every page loads only from the app)."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response


def plotly_js_path() -> Path | None:
    spec = find_spec("plotly")  # the file only; importing the Python package is not needed
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def plotly_js(request: Request) -> Response:
    path = plotly_js_path()
    if path is None:
        return PlainTextResponse("plotly.min.js is missing: install the companion's dependencies (pip install plotly)",
                                 status_code=404)
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})
