"""Who may read the REST API: an API token or a login session of an enabled account; tokens made, shown once,
stored hashed and revoked by the accounts CLI; the entrance's decision for the API's paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kraken_core.record.accounts import Account, disable_account, issue_mcp_token, issue_token, reset_password
from kraken_ui_ext.companion.access import decide
from tests.api.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
RAW_FILES = "/api/v1/raw_files?limit=1&include_metrics=false"


def _anonymous(api) -> TestClient:
    client = TestClient(api.app, follow_redirects=False)
    return client


def _refused(response, says: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["error"] == "unauthorized" and says in body["detail"] and "accounts_cli api-token" in body["detail"]


def test_without_a_token_or_session_every_read_is_refused_with_what_to_do(api):
    client = _anonymous(api)
    for path in ("/raw_files", "/raw_files/x.raw", "/raw_files/x.raw/metrics", "/instruments", "/qc/status",
                 "/annotations"):
        _refused(client.get(f"/api/v1{path}"), "no API token and no login session")
    _refused(client.get(RAW_FILES, headers={"Authorization": "Bearer akapi_" + "x" * 43}), "unknown, revoked")


def test_an_mcp_token_does_not_open_the_api(api, api_record):
    mcp = issue_mcp_token(api_record, "viewer")
    _refused(_anonymous(api).get(RAW_FILES, headers={"Authorization": f"Bearer {mcp}"}), "this is an MCP token")


def test_a_login_session_reads_the_api(api):
    client = _anonymous(api)
    assert client.post("/login", data={"user": "viewer", "password": PASSWORD}).status_code == 303
    assert client.get(RAW_FILES).status_code == 200


def test_the_cli_issues_a_token_shown_once_stored_hashed_and_revokes_it(api, api_record, services):
    env = {**os.environ, "ENV": "test", "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
           "MONGO_DB": api_record.name}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "kraken_core.record.accounts_cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    client = _anonymous(api)
    issued = cli("api-token", "viewer")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.splitlines()[1]
    assert token.startswith("akapi_") and token not in str(api_record.account.find_one({"_id": "viewer"}))
    assert client.get(RAW_FILES, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoked = cli("api-token", "viewer", "--revoke")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout and token not in revoked.stdout
    _refused(client.get(RAW_FILES, headers={"Authorization": f"Bearer {token}"}), "unknown, revoked")
    assert "nothing to revoke" in cli("api-token", "viewer", "--revoke").stdout
    unknown = cli("api-token", "nobody")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr


def test_a_disabled_account_loses_its_api_token(api, api_record):
    token = issue_token(api_record, "viewer", "api")
    client = _anonymous(api)
    assert client.get(RAW_FILES, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    disable_account(api_record, "viewer")
    try:
        _refused(client.get(RAW_FILES, headers={"Authorization": f"Bearer {token}"}), "unknown, revoked")
        assert api_record.account.find_one({"_id": "viewer"}).get("api_token_sha256") is None
    finally:
        reset_password(api_record, "viewer", PASSWORD)


def _account(role: str) -> Account:
    return Account(f"a-{role}", role, False, 1, "")


@pytest.mark.parametrize("path", ["/companion/api/v1/health", "/companion/api/v1/openapi.json",
                                  "/companion/api/v1/docs"])
def test_the_entrance_lets_anyone_read_the_api_description_and_health(path):
    assert decide(path, "GET", None, None).status == 200


def test_the_entrance_lets_an_api_token_into_the_api_only():
    viewer = _account("viewer")
    assert decide("/companion/api/v1/raw_files", "GET", None, None, viewer).status == 200
    refused = decide("/companion/api/v1/raw_files", "GET", None, None, None)
    assert refused.status == 401 and "api-token" in refused.reason
    assert decide("/companion/api/v1/raw_files", "GET", None, viewer, None).status == 401  # an MCP token
    assert decide("/companion/overview", "GET", None, None, viewer).status == 401
    assert decide("/graphql", "POST", None, None, viewer).status == 401
    assert decide("/companion/api/v1/raw_files", "POST", None, None, viewer).status == 403
    assert decide("/companion/api/v1/raw_files", "GET", _account("viewer"), None).status == 200  # a session
