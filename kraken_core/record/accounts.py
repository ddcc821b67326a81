"""Per-person accounts of the web entrance, kept in the record's `account` collection.

Each document: `_id` (the person's login name), `role` (`viewer`, `operator`, `admin`), `password_hash`
(argon2id), `disabled`, `session_version` and, when issued, `mcp_token_sha256` (the MCP server) and
`api_token_sha256` (the REST API). A signed session cookie carries the `session_version` it was issued under;
resetting the password, disabling the account or logging out raises the version, so every older cookie stops
working at once. Bearer tokens are random 256-bit strings, so a SHA-256 of the token (looked up by index) is
enough to store them: nobody can guess a preimage of 256 random bits, however fast the hash; only passwords,
which people choose, need a slow hash. Each kind of token opens only its own door: an MCP token is no API token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.database import Database

COLLECTION = "account"
ROLES = ("viewer", "operator", "admin")
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "akt_"
API_TOKEN_PREFIX = "akapi_"
# kind of bearer token -> (the account field holding its SHA-256, the prefix every such token starts with)
TOKEN_KINDS = {"mcp": ("mcp_token_sha256", TOKEN_PREFIX), "api": ("api_token_sha256", API_TOKEN_PREFIX)}
ACCOUNT_INDEXES = {COLLECTION: [IndexModel([(digest_field, ASCENDING)], name=digest_field)
                                for digest_field, _ in TOKEN_KINDS.values()]}

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account operation that cannot be done as asked (unknown name, bad role, weak password, ...)."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    disabled: bool
    session_version: int
    password_hash: str = field(repr=False)

    def has_role(self, needed: str) -> bool:
        """Roles are ordered: an admin may do what an operator may, an operator what a viewer may."""
        return not self.disabled and ROLES.index(self.role) >= ROLES.index(needed)


def _now() -> datetime:
    return datetime.now(UTC)


def _account(doc: dict | None) -> Account | None:
    if doc is None:
        return None
    return Account(doc["_id"], doc.get("role", "viewer"), bool(doc.get("disabled")),
                   int(doc.get("session_version", 0)), doc.get("password_hash", ""))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password is too short: at least {MIN_PASSWORD_LENGTH} characters")


def generated_password() -> str:
    return secrets.token_urlsafe(15)


def find_account(db: Database, name: str) -> Account | None:
    return _account(db[COLLECTION].find_one({"_id": name}))


def list_accounts(db: Database) -> list[Account]:
    hidden = {digest_field: 0 for digest_field, _ in TOKEN_KINDS.values()}
    return [_account(doc) for doc in db[COLLECTION].find({}, hidden).sort("_id", 1)]


def add_account(db: Database, name: str, role: str, password: str) -> Account:
    if not _NAME.match(name):
        raise AccountError(f"account name {name!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    _check_role(role)
    check_password_strength(password)
    if db[COLLECTION].find_one({"_id": name}, {"_id": 1}) is not None:
        raise AccountError(f"account {name!r} exists already; reset its password or change its role instead")
    now = _now()
    doc = {"_id": name, "role": role, "password_hash": _hasher.hash(password), "disabled": False,
           "session_version": 1, "created_at_": now, "updated_at_": now}
    db[COLLECTION].insert_one(doc)
    return _account(doc)


def _update(db: Database, name: str, update: dict) -> Account:
    update.setdefault("$set", {})["updated_at_"] = _now()
    doc = db[COLLECTION].find_one_and_update({"_id": name}, update, return_document=ReturnDocument.AFTER)
    if doc is None:
        raise AccountError(f"no account {name!r}; add it first (python -m kraken_core.record.accounts_cli add)")
    return _account(doc)


def reset_password(db: Database, name: str, password: str) -> Account:
    """New password, account enabled again, every earlier session ended."""
    check_password_strength(password)
    return _update(db, name, {"$set": {"password_hash": _hasher.hash(password), "disabled": False},
                              "$inc": {"session_version": 1}})


def disable_account(db: Database, name: str) -> Account:
    """No login, no session, no MCP or API token from now on; the document stays for the record of who it was."""
    return _update(db, name, {"$set": {"disabled": True}, "$inc": {"session_version": 1},
                              "$unset": {digest_field: "" for digest_field, _ in TOKEN_KINDS.values()}})


def change_role(db: Database, name: str, role: str) -> Account:
    _check_role(role)
    return _update(db, name, {"$set": {"role": role}, "$inc": {"session_version": 1}})


def end_sessions(db: Database, name: str) -> None:
    """Log out everywhere: every session cookie issued so far stops working."""
    db[COLLECTION].update_one({"_id": name}, {"$inc": {"session_version": 1}, "$set": {"updated_at_": _now()}})


def authenticate(db: Database, name: str, password: str) -> Account | None:
    """The enabled account when the password is right, else None (same cost for an unknown name)."""
    account = find_account(db, name)
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        db[COLLECTION].update_one({"_id": name}, {"$set": {"password_hash": _hasher.hash(password)}})
    return account


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Database, name: str, kind: str) -> str:
    """A new bearer token of `kind` (`mcp` or `api`); the account's previous one of that kind stops working.
    Shown once: only its SHA-256 is stored."""
    digest_field, prefix = TOKEN_KINDS[kind]
    account = find_account(db, name)
    if account is None or account.disabled:
        raise AccountError(f"no enabled account {name!r}: add or reset it before issuing an {kind.upper()} token")
    token = prefix + secrets.token_urlsafe(32)
    _update(db, name, {"$set": {digest_field: _token_digest(token)}})
    return token


def revoke_token(db: Database, name: str, kind: str) -> bool:
    """The account's token of `kind` stops working at once; False when it had none."""
    digest_field, _ = TOKEN_KINDS[kind]
    had = db[COLLECTION].find_one({"_id": name, digest_field: {"$exists": True}}, {"_id": 1}) is not None
    _update(db, name, {"$unset": {digest_field: ""}})
    return had


def issue_mcp_token(db: Database, name: str) -> str:
    """A new bearer token for the MCP server (the previous one stops working); shown once, stored hashed."""
    return issue_token(db, name, "mcp")


def account_for_token(db: Database, token: str, kind: str = "mcp") -> Account | None:
    """The enabled account holding this bearer token of `kind`, or None."""
    digest_field, prefix = TOKEN_KINDS[kind]
    if not token.startswith(prefix):
        return None
    account = _account(db[COLLECTION].find_one({digest_field: _token_digest(token)}))
    return None if account is None or account.disabled else account
