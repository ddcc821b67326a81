"""Sessions of the per-person accounts: a signed cookie checked against the account on every request.

The cookie holds the account name, the account's `session_version` when it was issued and an expiry, signed with
HMAC (no server-side session store). It counts only while the account is enabled and still has that version, so
logging out, a password reset, a role change or disabling the account ends it everywhere. The cookie is HttpOnly,
SameSite=Strict, and Secure whenever the request came over TLS (always, behind the entrance). Every write form
also carries a token derived from the session, so a page on another site cannot post on a person's behalf.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from pymongo.database import Database
from starlette.requests import Request
from starlette.responses import Response

from kraken_core.record.accounts import Account, account_for_token, find_account

COOKIE = "kraken_session"
SESSION_SECONDS = 12 * 3600


def _sign(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def session_cookie(secret: bytes, account: Account, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    payload = f"{account.name}|{account.session_version}|{expires}"
    return f"{payload}|{_sign(secret, payload)}"


def session_account(secret: bytes, db: Database, request: Request) -> Account | None:
    """The account of this request's session, or None (no cookie, bad signature, expired, ended, disabled)."""
    parts = request.cookies.get(COOKIE, "").split("|")
    if len(parts) != 4:
        return None
    name, version, expires, signature = parts
    if not hmac.compare_digest(signature, _sign(secret, f"{name}|{version}|{expires}")):
        return None
    if not expires.isdigit() or int(expires) < time.time():
        return None
    account = find_account(db, name)
    if account is None or account.disabled or str(account.session_version) != version:
        return None
    return account


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer_account(db: Database, request: Request, kind: str = "mcp") -> Account | None:
    """The account of an `Authorization: Bearer <token>` header with a token of `kind` (mcp, api), or None."""
    token = bearer_token(request)
    return None if token is None else account_for_token(db, token, kind)


def over_tls(request: Request) -> bool:
    """Directly over https, or through nginx's TLS (it sends X-Forwarded-Proto: https)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def start_session(response: Response, secret: bytes, account: Account, request: Request) -> None:
    response.set_cookie(COOKIE, session_cookie(secret, account), max_age=SESSION_SECONDS, path="/",
                        httponly=True, samesite="strict", secure=over_tls(request))


def end_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=over_tls(request))


def client_address(request: Request) -> str:
    """The browser's address: nginx's X-Real-IP (the companion is reachable only through nginx), else the peer."""
    return request.headers.get("x-real-ip") or (request.client.host if request.client else "unknown")


def form_token(secret: bytes, request: Request) -> str:
    return _sign(secret, "form|" + request.cookies.get(COOKIE, ""))


def form_token_valid(secret: bytes, request: Request, token: str) -> bool:
    return hmac.compare_digest(token or "", form_token(secret, request))
