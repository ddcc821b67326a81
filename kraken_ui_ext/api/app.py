"""The REST API as a Starlette app, mounted by the companion at /api/v1 (behind the entrance: /companion/api/v1).

Every endpoint but /health, /openapi.json and /docs needs an account with at least the viewer role: an API bearer
token (`Authorization: Bearer akapi_...`, from `accounts_cli api-token`) or the companion's login session. A
request carrying a bearer header is judged by the token alone. Errors are JSON: `error`, `detail` (what to do)
and, for a refused query parameter, `parameter`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pymongo.errors import PyMongoError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kraken_core.record.accounts import TOKEN_KINDS, Account
from kraken_ui_ext.api.endpoints import ENDPOINTS, ApiContext, Endpoint, NotFound
from kraken_ui_ext.api.openapi import PREFIX, docs_page, openapi_document
from kraken_ui_ext.api.params import BadParameter, parse_params
from kraken_ui_ext.companion import auth

log = logging.getLogger(__name__)
_PREFIX = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
TOKEN_HINT = ("an admin issues one with `python -m kraken_core.record.accounts_cli api-token NAME`; send it as "
              "`Authorization: Bearer <token>`")


def error(status: int, kind: str, detail: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="alphakraken"'} if status == 401 else None
    return JSONResponse({"error": kind, "detail": detail, **extra}, status_code=status, headers=headers)


def caller(request: Request, ctx: ApiContext, session_secret: bytes) -> Account | JSONResponse:
    """The account the request reads as, or the 401/403 answer that says why not."""
    token = auth.bearer_token(request)
    if token is not None:
        account = auth.bearer_account(ctx.db, request, "api")
        if account is None:
            mcp_prefix = TOKEN_KINDS["mcp"][1]
            why = ("this is an MCP token; the REST API takes an API token" if token.startswith(mcp_prefix) else
                   "the API token is unknown, revoked, or its account is disabled")
            return error(401, "unauthorized", f"{why}: {TOKEN_HINT}")
    else:
        account = auth.session_account(session_secret, ctx.db, request)
        if account is None:
            return error(401, "unauthorized", f"no API token and no login session: {TOKEN_HINT}")
    if not account.has_role("viewer"):
        return error(403, "forbidden", f"account {account.name} may not read the record")
    return account


def _routes(endpoint: Endpoint, ctx: ApiContext, session_secret: bytes) -> list[Route]:
    """The endpoint's route, also with a trailing slash (AlphaKraken's clients call `/raw_files/`)."""
    def serve(request: Request) -> Response:
        if not endpoint.public:
            who = caller(request, ctx, session_secret)
            if isinstance(who, Response):
                return who
        try:
            params = parse_params(request.query_params, endpoint.params)
            return JSONResponse(endpoint.handler(ctx, request, params))
        except BadParameter as err:
            return error(400, "bad_parameter", f"{err.parameter}: {err.detail}", parameter=err.parameter)
        except NotFound as err:
            return error(404, "not_found", str(err))
        except PyMongoError as err:
            log.warning("REST API %s: the record did not answer: %s", endpoint.path, type(err).__name__)
            return error(503, "record_unavailable", "the record (MongoDB) did not answer; try again in a minute, "
                                                    "and if it persists check the database host (docs/operations.md)")

    return [Route(endpoint.path, serve, methods=["GET"], name=endpoint.name),
            Route(endpoint.path + "/", serve, methods=["GET"])]


def build_api(ctx: ApiContext, session_secret: bytes) -> Starlette:
    def server_url(request: Request) -> str:
        """Where clients reach the API: behind nginx the companion's prefix (X-Forwarded-Prefix) comes first."""
        prefix = request.headers.get("x-forwarded-prefix", "").rstrip("/")
        return (prefix if _PREFIX.match(prefix) else "") + PREFIX

    def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi_document(server_url(request)))

    def docs(request: Request) -> Response:
        return HTMLResponse(docs_page(openapi_document(server_url(request))))

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error(405, "method_not_allowed", "the REST API is read-only: use GET")

    async def unknown(request: Request, exc: Exception) -> Response:
        return error(404, "not_found", f"no endpoint {request.url.path}; the endpoints are listed at "
                                       f"{server_url(request)}/docs")

    routes = [route for endpoint in ENDPOINTS for route in _routes(endpoint, ctx, session_secret)]
    routes += [Route("/openapi.json", openapi_json), Route("/docs", docs)]
    return Starlette(routes=routes, exception_handlers={405: not_allowed, 404: unknown})
