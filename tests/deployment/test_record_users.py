"""The least-privilege users of the record: what each may do, and the idempotent setup against the test server.

The test MongoDB server (nx-27017) accepts user and role commands without enforcing them, so the privileges
are asserted on the commands themselves; the setup run proves the commands are accepted and the indexes made.
"""

import pytest

from kraken_core.record.indexes import INDEXES
from kraken_core.record.users import (
    USERS,
    WEBAPP_ROLE,
    UserSetupError,
    setup_users,
    user_commands,
    webapp_role_privileges,
)

ENV = {
    "MONGO_USER": "kraken_rw", "MONGO_PASSWORD": "pw-rw",
    "MONGO_USER_READ": "kraken_read", "MONGO_PASSWORD_READ": "pw-read",
    "MONGO_USER_WEBAPP": "kraken_webapp", "MONGO_PASSWORD_WEBAPP": "pw-webapp",
}
WRITES = {"insert", "update", "remove", "createCollection", "dropCollection", "createIndex", "dropIndex"}


def test_the_webapp_reads_everything_and_writes_only_its_own_collections():
    privileges = webapp_role_privileges("krakendb")
    read_all = [p for p in privileges if p["resource"] == {"db": "krakendb", "collection": ""}]
    assert len(read_all) == 1 and "find" in read_all[0]["actions"] and not WRITES & set(read_all[0]["actions"])
    writable = {p["resource"]["collection"] for p in privileges if WRITES & set(p["actions"])}
    assert writable == {"project", "settings", "project_settings", "account", "instrument_annotation"}
    assert all(p["resource"]["db"] == "krakendb" for p in privileges)


def test_each_user_gets_exactly_its_role_on_the_record():
    commands = user_commands("krakendb", ENV, existing_users=set(), existing_roles=set())
    assert commands[0]["createRole"] == WEBAPP_ROLE
    users = {c["createUser"]: c["roles"] for c in commands[1:]}
    assert users == {
        "kraken_rw": [{"role": "readWrite", "db": "krakendb"}],
        "kraken_read": [{"role": "read", "db": "krakendb"}],
        "kraken_webapp": [{"role": WEBAPP_ROLE, "db": "admin"}],
    }
    assert {c["pwd"] for c in commands[1:]} == {"pw-rw", "pw-read", "pw-webapp"}


def test_existing_users_and_role_are_updated_not_created_twice():
    commands = user_commands("krakendb", ENV, existing_users={"kraken_read"}, existing_roles={WEBAPP_ROLE})
    verbs = [next(iter(c)) for c in commands]
    assert verbs == ["updateRole", "createUser", "updateUser", "createUser"]


def test_a_missing_password_names_the_variables_and_never_a_value():
    env = {**ENV, "MONGO_PASSWORD_WEBAPP": ""}
    with pytest.raises(UserSetupError) as err:
        user_commands("krakendb", env, set(), set())
    assert "MONGO_USER_WEBAPP and MONGO_PASSWORD_WEBAPP" in str(err.value) and "companion app" in str(err.value)
    assert not any(v in str(err.value) for v in ENV.values() if v.startswith("pw-"))


def test_the_setup_runs_against_the_server_and_makes_the_indexes(mongo_client, mongo_db):
    done = setup_users(mongo_client.admin, mongo_db, ENV)
    assert done[:4] == ["createRole alphakraken_webapp", "createUser kraken_rw", "createUser kraken_read",
                        "createUser kraken_webapp"]
    for collection in INDEXES:
        assert len(mongo_db[collection].index_information()) > 1, collection
    assert len(USERS) == 3


def test_the_command_line_sets_up_users_without_printing_a_password(services, mongo_db):
    import subprocess
    import sys
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "ENV": "test", "MONGO_HOST": services["MONGO_HOST"],
           "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": mongo_db.name, **ENV}
    done = subprocess.run([sys.executable, "-m", "kraken_core.record.users"], cwd=Path(__file__).resolve().parents[2],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "createUser kraken_webapp" in done.stdout and f"indexes of {mongo_db.name} ensured" in done.stdout
    assert not any(password in done.stdout + done.stderr for password in ("pw-rw", "pw-read", "pw-webapp"))
    missing = subprocess.run([sys.executable, "-m", "kraken_core.record.users"], cwd=Path(__file__).resolve().parents[2],
                             env={**env, "MONGO_PASSWORD_READ": ""}, capture_output=True, text=True)
    assert missing.returncode == 2 and "MONGO_PASSWORD_READ" in missing.stderr
