"""Login for writes: one user from the environment, a signed session cookie and a per-session form token.

The cookie is HMAC-signed (no server-side session store), HttpOnly and SameSite=Strict; every write form also
carries a token derived from the session, so a page on another site cannot post on a user's behalf.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from starlette.requests import Request

COOKIE = "kraken_companion_session"
SESSION_SECONDS = 12 * 3600


def _sign(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def credentials_match(expected_user: str | None, expected_password: str | None, user: str, password: str) -> bool:
    if not expected_user or not expected_password:
        return False
    same_user = hmac.compare_digest(user.encode(), expected_user.encode())
    same_password = hmac.compare_digest(password.encode(), expected_password.encode())
    return same_user and same_password


def session_cookie(secret: bytes, user: str, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    payload = f"{user}|{expires}"
    return f"{payload}|{_sign(secret, payload)}"


def session_user(secret: bytes, request: Request) -> str | None:
    """The logged-in user of this request, or None (no cookie, bad signature, expired)."""
    value = request.cookies.get(COOKIE, "")
    parts = value.rsplit("|", 2)
    if len(parts) != 3:
        return None
    user, expires, signature = parts
    if not hmac.compare_digest(signature, _sign(secret, f"{user}|{expires}")):
        return None
    if not expires.isdigit() or int(expires) < time.time():
        return None
    return user


def form_token(secret: bytes, request: Request) -> str:
    return _sign(secret, "form|" + request.cookies.get(COOKIE, ""))


def form_token_valid(secret: bytes, request: Request, token: str) -> bool:
    return hmac.compare_digest(token or "", form_token(secret, request))
