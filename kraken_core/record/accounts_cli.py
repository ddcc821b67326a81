"""Accounts of the web entrance: `python -m kraken_core.record.accounts_cli add|reset|disable|role|mcp-token|api-token|list`.

  add NAME --role viewer|operator|admin   a new person; prints a generated password once
  reset NAME                              a new generated password (printed once); enables a disabled account
  disable NAME                            no login; every session, the MCP and the API token end at once
  role NAME ROLE                          change the role (the person logs in again)
  mcp-token NAME                          a new MCP bearer token (printed once; the previous one stops working)
  api-token NAME [--revoke]               a new REST API bearer token (printed once; the previous one stops
                                          working); --revoke: the API token stops working, none is issued
  list                                    names, roles and whether they are disabled

`--password-stdin` reads the password from standard input instead of generating one. Passwords are never taken
as arguments (other users of the host would see them in the process list). The record is reached as the
companion app reaches it: `MONGO_HOST`, `MONGO_PORT`, `MONGO_DB` and the webapp user `MONGO_USER_WEBAPP` /
`MONGO_PASSWORD_WEBAPP`, from the environment or `envs/${ENV}.env`. In a deployment run it in the companion
container: `docker/compose.sh --profile webapp exec companion python -m kraken_core.record.accounts_cli ...`.
"""

from __future__ import annotations

import argparse
import sys

from kraken_core.config import load_environment
from kraken_core.record.accounts import (
    ROLES, AccountError, add_account, change_role, disable_account, generated_password, issue_mcp_token,
    issue_token, list_accounts, reset_password, revoke_token,
)
from kraken_core.record.connection import run_on_record
from kraken_core.record.environment_settings import mongo_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kraken_core.record.accounts_cli",
                                     description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add a person")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    reset = sub.add_parser("reset", help="set a new password and end every session")
    reset.add_argument("name")
    for p in (add, reset):
        p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sub.add_parser("disable", help="disable an account").add_argument("name")
    role = sub.add_parser("role", help="change an account's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    sub.add_parser("mcp-token", help="issue a new MCP bearer token").add_argument("name")
    api = sub.add_parser("api-token", help="issue (or revoke) the REST API bearer token")
    api.add_argument("name")
    api.add_argument("--revoke", action="store_true", help="end the account's API token without a new one")
    sub.add_parser("list", help="list the accounts")
    return parser


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password and whether it was generated (then it is printed once)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return generated_password(), True


def run(db, args: argparse.Namespace) -> str:
    if args.action == "list":
        return "\n".join(f"{a.name}\t{a.role}\t{'disabled' if a.disabled else 'enabled'}"
                         for a in list_accounts(db)) or "no accounts"
    if args.action in ("add", "reset"):
        password, generated = _password(args)
        account = (add_account(db, args.name, args.role, password) if args.action == "add"
                   else reset_password(db, args.name, password))
        shown = f"; password (shown once, hand it over in person): {password}" if generated else ""
        verb = "added" if args.action == "add" else "reset, earlier sessions ended"
        return f"account {account.name} ({account.role}) {verb}{shown}"
    if args.action == "disable":
        disable_account(db, args.name)
        return f"account {args.name} disabled: its sessions, MCP token and API token no longer work"
    if args.action == "role":
        account = change_role(db, args.name, args.role)
        return f"account {account.name} is now {account.role}; it logs in again"
    if args.action == "api-token":
        return _api_token(db, args)
    token = issue_mcp_token(db, args.name)
    return (f"MCP token for {args.name} (shown once; the previous one no longer works):\n{token}\n"
            f"clients send it as the header  Authorization: Bearer <token>")


def _api_token(db, args: argparse.Namespace) -> str:
    if args.revoke:
        had = revoke_token(db, args.name, "api")
        return f"API token of {args.name} revoked" if had else f"{args.name} had no API token; nothing to revoke"
    token = issue_token(db, args.name, "api")
    return (f"REST API token for {args.name} (shown once; the previous one no longer works):\n{token}\n"
            f"clients send it as the header  Authorization: Bearer <token>  to /companion/api/v1/...")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = mongo_settings(load_environment(), "MONGO_USER_WEBAPP", "MONGO_PASSWORD_WEBAPP")
    return run_on_record(settings, lambda db: run(db, args), (AccountError,), "accounts")


if __name__ == "__main__":
    sys.exit(main())
