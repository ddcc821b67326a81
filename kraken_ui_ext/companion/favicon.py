"""The app's icon: linked from every page, and answered at /favicon.ico for browsers and tools that ask there."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

FAVICON = "/favicon.ico"
ICON_FILE = Path(__file__).parent / "static" / "favicon.svg"


def favicon(request: Request) -> Response:
    return Response(ICON_FILE.read_bytes(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})
