"""The three least-privilege users of the record, and its indexes; idempotent, run once per deployment.

`python -m kraken_core.record.users` connects as MongoDB's root user (`MONGO_INITDB_ROOT_USERNAME`,
`MONGO_INITDB_ROOT_PASSWORD`, from envs/.env-mongo) and creates or updates, in the `admin` database:
- `MONGO_USER` (workers): readWrite on the record;
- `MONGO_USER_READ` (monitoring, MCP server): read on the record;
- `MONGO_USER_WEBAPP` (companion app): reads everything, writes only `project`, `settings`, `project_settings`,
  `account` (the people who may log in; kraken_core/record/accounts.py) and `instrument_annotation` (operators
  record maintenance in the companion).
Passwords come from the matching `*_PASSWORD*` variables and are never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from kraken_core.config import load_environment
from kraken_core.record.connection import open_client
from kraken_core.record.environment_settings import mongo_settings
from kraken_core.record.indexes import ensure_indexes

WEBAPP_ROLE = "alphakraken_webapp"
WEBAPP_WRITABLE = ("project", "settings", "project_settings", "account", "instrument_annotation")
WRITE_ACTIONS = ["insert", "update", "remove"]


@dataclass(frozen=True)
class RecordUser:
    user_variable: str
    password_variable: str
    role: str
    purpose: str


USERS = (
    RecordUser("MONGO_USER", "MONGO_PASSWORD", "readWrite", "workers"),
    RecordUser("MONGO_USER_READ", "MONGO_PASSWORD_READ", "read", "monitoring and MCP server"),
    RecordUser("MONGO_USER_WEBAPP", "MONGO_PASSWORD_WEBAPP", WEBAPP_ROLE, "companion app"),
)


class UserSetupError(RuntimeError):
    """A variable the user setup needs is missing."""


def webapp_role_privileges(db_name: str) -> list[dict[str, Any]]:
    """Read every collection of the record; insert, update and remove only in the webapp's own collections."""
    return [
        {"resource": {"db": db_name, "collection": ""}, "actions": ["find", "listCollections", "listIndexes"]},
        *({"resource": {"db": db_name, "collection": name}, "actions": WRITE_ACTIONS} for name in WEBAPP_WRITABLE),
    ]


def _role_document(user: RecordUser, db_name: str) -> dict[str, str]:
    # built-in roles live in the record's database; the custom webapp role lives in admin, beside the users
    return {"role": user.role, "db": "admin" if user.role == WEBAPP_ROLE else db_name}


def user_commands(db_name: str, environ: Mapping[str, str], existing_users: set[str], existing_roles: set[str]):
    """The admin commands that bring roles and users to the wanted state (create or update each)."""
    commands = [
        {
            ("updateRole" if WEBAPP_ROLE in existing_roles else "createRole"): WEBAPP_ROLE,
            "privileges": webapp_role_privileges(db_name),
            "roles": [],
        }
    ]
    for user in USERS:
        name, password = environ.get(user.user_variable), environ.get(user.password_variable)
        if not name or not password:
            raise UserSetupError(
                f"{user.user_variable} and {user.password_variable} must both be set for the {user.purpose} user; "
                f"add them to envs/.env-secrets"
            )
        verb = "updateUser" if name in existing_users else "createUser"
        commands.append({verb: name, "pwd": password, "roles": [_role_document(user, db_name)]})
    return commands


def _names(result: dict[str, Any], key: str, field: str) -> set[str]:
    return {entry[field] for entry in result.get(key, []) if field in entry}


def setup_users(admin: Database, record: Database, environ: Mapping[str, str]) -> list[str]:
    """Create or update the role and the three users in `admin`, and the record's indexes; returns what was done."""
    existing_users = _names(admin.command({"usersInfo": 1}), "users", "user")
    existing_roles = _names(admin.command({"rolesInfo": 1}), "roles", "role")
    done = []
    for command in user_commands(record.name, environ, existing_users, existing_roles):
        admin.command(command)
        verb = next(iter(command))
        done.append(f"{verb} {command[verb]}")
    ensure_indexes(record)
    done.append(f"indexes of {record.name} ensured")
    return done


def main() -> int:
    environ = load_environment()
    settings = mongo_settings(environ, "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD")
    client = open_client(settings)
    try:
        for line in setup_users(client.admin, client[settings.database], environ):
            print(line)
    except UserSetupError as err:
        print(err, file=sys.stderr)
        return 2
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
