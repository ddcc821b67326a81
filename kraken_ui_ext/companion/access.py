"""Who may do what behind the entrance: one decision per request, asked by nginx (`auth_request`).

nginx sends the request's normalised path and method; the answer is 200 (go on), 401 (no valid session or
token: log in) or 403 (logged in, but the role does not allow it). For the Dagster UI the answer also names the
webserver: viewers get the one started with `--read-only` (it refuses every mutation: launching, terminating,
sensors, schedules, backfills), operators and admins the full one.
"""

from __future__ import annotations

from dataclasses import dataclass

from kraken_core.record.accounts import Account

COMPANION = "/companion"
MCP = "/mcp"
# the REST API inside the companion (kraken_ui_ext/api): a session or an API bearer token
API = "/api/v1"
# companion paths anyone may open: the login form, its style sheet, the health checks, the API's description
PUBLIC_COMPANION = {"/login", "/healthz", f"{API}/health", f"{API}/openapi.json", f"{API}/docs"}
PUBLIC_COMPANION_PREFIX = "/static/"
# companion writes and the role each needs
COMPANION_WRITES = (
    ("/requantify", "operator"),
    ("/annotations/", "operator"),
    ("/logout", "viewer"),
    ("/projects/", "admin"),
    ("/settings/", "admin"),
    ("/assignments/", "admin"),
)
READS = {"GET", "HEAD", "OPTIONS"}
UPSTREAM_HEADER = "X-Kraken-Upstream"


@dataclass(frozen=True)
class Decision:
    status: int
    upstream: str = ""  # for the Dagster UI: "full" or "read_only"
    reason: str = ""


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def companion_role_needed(path: str, method: str) -> str | None:
    """The role a companion path (without the /companion prefix) needs; None when it is public."""
    if path in PUBLIC_COMPANION or path.startswith(PUBLIC_COMPANION_PREFIX):
        return None
    if method.upper() in READS:
        return "viewer"
    for prefix, role in COMPANION_WRITES:
        if path.startswith(prefix):
            return role
    return "admin"  # a write nobody listed: only the most trusted role


def is_api_path(path: str) -> bool:
    """A path of the REST API, as nginx sees it (under /companion)."""
    return _under(path, COMPANION + API)


def decide(path: str, method: str, session: Account | None, token: Account | None,
           api_token: Account | None = None) -> Decision:
    """`session`: the account of a valid session cookie; `token`: of a valid MCP bearer token; `api_token`: of a
    valid REST API bearer token (counts for the API's paths only, as a session would)."""
    session = None if session is None or session.disabled else session
    token = None if token is None or token.disabled else token
    if api_token is not None and not api_token.disabled and is_api_path(path):
        session = api_token
    if _under(path, MCP):
        if token is None:
            return Decision(401, reason="the MCP server needs a bearer token (python -m kraken_core.record.accounts_cli mcp-token)")
        return Decision(200)
    if _under(path, COMPANION):
        needed = companion_role_needed(path[len(COMPANION):] or "/", method)
        if needed is None:
            return Decision(200)
        if session is None:
            return Decision(401, reason="send an API bearer token (python -m kraken_core.record.accounts_cli "
                                       "api-token NAME)" if is_api_path(path) else "log in")
        return Decision(200) if session.has_role(needed) else Decision(403, reason=f"needs the {needed} role")
    if session is None:
        return Decision(401, reason="log in")
    return Decision(200, upstream="full" if session.has_role("operator") else "read_only")
