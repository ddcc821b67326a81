"""Per-person accounts at the companion app (the entrance's account store), attacked over HTTP on a real record:
throttled guessing, sessions that end on logout, password change and disabling, roles on writes, the auth_request
answers nginx acts on, MCP tokens; and the accounts CLI as operators run it."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kraken_core.record.accounts import (
    AccountError, add_account, disable_account, issue_mcp_token, reset_password,
)
from kraken_core.record.connection import MongoSettings
from kraken_ui_ext.companion import auth
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from kraken_ui_ext.companion.throttle import LoginThrottle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people(mongo_db) -> dict[str, str]:
    """One account of each role, with generated passwords."""
    passwords = {role: secrets.token_urlsafe(12) for role in ("viewer", "operator", "admin")}
    for role, password in passwords.items():
        add_account(mongo_db, role, role, password)
    return passwords


@pytest.fixture
def app(mongo_db):
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo"})
    return build_app(settings, mongo_db)


def client(app, address: str = "10.1.1.1") -> TestClient:
    """A browser behind nginx: TLS at the entrance, its address in X-Real-IP."""
    return TestClient(app, base_url="https://kraken.test", follow_redirects=False,
                      headers={"X-Real-IP": address, "X-Forwarded-Proto": "https"})


def login(browser: TestClient, name: str, password: str):
    return browser.post("/login", data={"user": name, "password": password, "next": "/overview"})


def check(browser: TestClient, path: str, method: str = "GET", **headers):
    return browser.get("/auth", headers={"X-Original-URI": path, "X-Original-Method": method, **headers})


def test_the_session_cookie_is_secure_httponly_and_samesite(app, people):
    done = login(client(app), "viewer", people["viewer"])
    assert done.status_code == 303
    cookie = done.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie


def test_wrong_passwords_are_throttled_even_the_right_one_after_five(app, people):
    guesser = client(app, "10.6.6.6")
    for _ in range(5):
        assert login(guesser, "admin", "wrong-password-123").status_code == 401
    locked = login(guesser, "admin", people["admin"])
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 800
    assert auth.COOKIE not in guesser.cookies
    # from another address too: the account is locked, and other people still log in
    assert login(client(app, "10.7.7.7"), "admin", people["admin"]).status_code == 429
    assert login(client(app, "10.7.7.7"), "operator", people["operator"]).status_code == 303


def test_one_address_trying_many_names_is_throttled(mongo_db, people):
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={})
    app = build_app(settings, mongo_db, LoginThrottle(max_per_address=4))  # 20 in production: each guess costs ~0.1 s
    guesser = client(app, "10.6.6.7")
    for i in range(4):
        assert login(guesser, f"nobody{i}", "wrong-password-123").status_code == 401
    assert login(guesser, "viewer", people["viewer"]).status_code == 429
    assert login(client(app, "10.6.6.8"), "viewer", people["viewer"]).status_code == 303


def test_an_old_cookie_is_refused_after_logout(app, people):
    browser = client(app)
    login(browser, "operator", people["operator"])
    stolen = browser.cookies[auth.COOKIE]
    assert check(browser, "/graphql", "POST").status_code == 200
    assert browser.post("/logout").status_code == 303
    replay = client(app)
    replay.cookies.set(auth.COOKIE, stolen, domain="kraken.test")
    assert check(replay, "/graphql", "POST").status_code == 401
    assert check(replay, "/companion/overview").status_code == 401


def test_an_old_cookie_is_refused_after_a_password_change_and_after_disabling(app, people, mongo_db):
    browser = client(app)
    login(browser, "admin", people["admin"])
    assert check(browser, "/companion/projects/new", "POST").status_code == 200
    new_password = secrets.token_urlsafe(12)
    reset_password(mongo_db, "admin", new_password)
    assert check(browser, "/companion/projects/new", "POST").status_code == 401
    assert browser.post("/projects/new", data={"project_id": "P1", "name": "x"}).status_code == 401
    assert login(browser, "admin", people["admin"]).status_code == 401  # the old password is gone
    assert login(browser, "admin", new_password).status_code == 303
    disable_account(mongo_db, "admin")
    assert check(browser, "/", "GET").status_code == 401
    assert login(client(app, "10.2.2.2"), "admin", new_password).status_code == 401


def test_a_forged_or_edited_cookie_is_refused(app, people):
    browser = client(app)
    login(browser, "viewer", people["viewer"])
    name, version, expires, signature = browser.cookies[auth.COOKIE].split("|")
    forged = client(app)
    forged.cookies.set(auth.COOKIE, f"admin|{version}|{expires}|{signature}", domain="kraken.test")
    assert check(forged, "/graphql", "POST").status_code == 401


def test_the_auth_answer_routes_viewers_to_the_read_only_dagster_ui(app, people):
    answers = {}
    for role in ("viewer", "operator", "admin"):
        browser = client(app, f"10.3.3.{len(answers)}")
        login(browser, role, people[role])
        answer = check(browser, "/graphql", "POST")
        answers[role] = (answer.status_code, answer.headers.get("X-Kraken-Upstream"),
                         check(browser, "/companion/projects/new", "POST").status_code,
                         check(browser, "/companion/requantify", "POST").status_code)
    assert answers == {"viewer": (200, "read_only", 403, 403), "operator": (200, "full", 403, 200),
                       "admin": (200, "full", 200, 200)}
    assert check(client(app), "/graphql", "POST").status_code == 401


def test_a_viewer_cannot_write_in_the_companion_even_directly(app, people, mongo_db):
    browser = client(app)
    login(browser, "viewer", people["viewer"])
    page = browser.get("/projects").text
    assert "only admins create projects" in page
    token = page.split('name="form_token" value="')[1].split('"')[0]
    refused = browser.post("/projects/new", data={"project_id": "P1", "name": "x", "form_token": token})
    assert refused.status_code == 403 and "needs the admin role" in refused.text
    assert mongo_db.project.find_one({"_id": "P1"}) is None


def test_mcp_needs_the_right_bearer_token(app, people, mongo_db):
    token = issue_mcp_token(mongo_db, "viewer")
    stored = mongo_db.account.find_one({"_id": "viewer"})
    assert token not in str(stored)  # stored hashed
    anonymous = client(app)
    missing = check(anonymous, "/mcp", "POST")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert check(anonymous, "/mcp", "POST", Authorization="Bearer akt_" + "x" * 43).status_code == 401
    assert check(anonymous, "/mcp", "POST", Authorization=f"Bearer {token}").status_code == 200
    replaced = issue_mcp_token(mongo_db, "viewer")
    assert check(anonymous, "/mcp", "POST", Authorization=f"Bearer {token}").status_code == 401
    disable_account(mongo_db, "viewer")
    assert check(anonymous, "/mcp", "POST", Authorization=f"Bearer {replaced}").status_code == 401


def test_accounts_refuse_weak_passwords_bad_names_and_doubles(mongo_db):
    with pytest.raises(AccountError, match="too short"):
        add_account(mongo_db, "ana", "viewer", "short")
    with pytest.raises(AccountError, match="account name"):
        add_account(mongo_db, "Ana Smith", "viewer", secrets.token_urlsafe(12))
    with pytest.raises(AccountError, match="role"):
        add_account(mongo_db, "ana", "root", secrets.token_urlsafe(12))
    add_account(mongo_db, "ana", "viewer", secrets.token_urlsafe(12))
    with pytest.raises(AccountError, match="exists already"):
        add_account(mongo_db, "ana", "admin", secrets.token_urlsafe(12))
    assert mongo_db.account.find_one({"_id": "ana"})["password_hash"].startswith("$argon2id$")


def test_the_cli_adds_resets_disables_and_issues_tokens(mongo_db, services, app):
    env = {**os.environ, "ENV": "test", "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
           "MONGO_DB": mongo_db.name}

    def cli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "kraken_core.record.accounts_cli", *args], cwd=ROOT, env=env,
                              input=stdin, capture_output=True, text=True, timeout=60)

    added = cli("add", "bea", "--role", "operator")
    assert added.returncode == 0, added.stderr
    password = added.stdout.rsplit(": ", 1)[1].strip()
    assert login(client(app), "bea", password).status_code == 303
    chosen = secrets.token_urlsafe(12)
    reset = cli("reset", "bea", "--password-stdin", stdin=chosen + "\n")
    assert reset.returncode == 0 and chosen not in reset.stdout
    assert login(client(app, "10.4.4.4"), "bea", chosen).status_code == 303
    token = cli("mcp-token", "bea").stdout.splitlines()[1]
    assert check(client(app), "/mcp", "POST", Authorization=f"Bearer {token}").status_code == 200
    assert cli("list").stdout.strip() == "bea\toperator\tenabled"
    assert cli("disable", "bea").returncode == 0
    assert check(client(app), "/mcp", "POST", Authorization=f"Bearer {token}").status_code == 401
    unknown = cli("reset", "nobody")
    assert unknown.returncode == 1 and "no account 'nobody'" in unknown.stderr
