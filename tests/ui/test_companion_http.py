"""The companion app over HTTP (in-process): writes need login and a valid form token; links follow the proxy prefix."""

import secrets

import pytest
from starlette.testclient import TestClient

from kraken_core.record.accounts import add_account
from kraken_core.record.connection import MongoSettings
from kraken_core.record.settings_catalog import assign_settings, create_project, create_settings_version
from kraken_ui_ext.companion import auth
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings


PASSWORD = secrets.token_urlsafe(12)


def _client(db) -> TestClient:
    settings = CompanionSettings(mongo=MongoSettings(database=db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo"})
    return TestClient(build_app(settings, db), follow_redirects=False)


@pytest.fixture
def client(mongo_db):
    add_account(mongo_db, "ana", "admin", PASSWORD)
    return _client(mongo_db)


def _login(client) -> str:
    response = client.post("/login", data={"user": "ana", "password": PASSWORD, "next": "/projects"})
    assert response.status_code == 303 and response.headers["location"] == "/projects"
    page = client.get("/projects").text
    return page.split('name="form_token" value="')[1].split('"')[0]


def test_a_write_needs_a_login_and_the_form_token(client, mongo_db):
    assert client.post("/projects/new", data={"project_id": "P1", "name": "x"}).status_code == 401
    token = _login(client)
    assert client.post("/projects/new", data={"project_id": "P1", "name": "x", "form_token": "forged"}).status_code == 403
    assert mongo_db.project.find_one({"_id": "P1"}) is None
    created = client.post("/projects/new", data={"project_id": "P1", "name": "x", "form_token": token})
    assert created.status_code == 303 and mongo_db.project.find_one({"_id": "P1"})["created_by"] == "ana"


def test_without_an_account_nobody_logs_in(mongo_db):
    client = _client(mongo_db)
    refused = client.post("/login", data={"user": "", "password": ""})
    assert refused.status_code == 401 and "Unknown user or wrong password" in refused.text
    assert "Log in to change projects" in client.post("/settings/new", data={"name": "x"}).text
    assert auth.COOKIE not in client.cookies


def test_links_and_redirects_carry_the_proxy_prefix(client):
    headers = {"X-Forwarded-Prefix": "/companion"}
    page = client.get("/overview", headers=headers).text
    assert 'href="/companion/static/companion.css"' in page and 'href="/companion/trends"' in page
    assert client.get("/", headers=headers).headers["location"] == "/companion/overview"
    hostile = client.get("/overview", headers={"X-Forwarded-Prefix": '"><script>'}).text
    assert 'href="/static/companion.css"' in hostile


def test_a_logged_in_user_removes_an_assignment(client, mongo_db):
    create_project(mongo_db, {"project_id": "P1", "name": "x"}, "ana")
    create_settings_version(mongo_db, {"name": "s", "software": "alphadia-2.3.0", "fasta_file_name": "h.fasta"}, "ana")
    assignment = assign_settings(mongo_db, {"project_id": "P1", "settings_id": "s-v1"}, {"thermo1": "thermo"}, "ana")
    token = _login(client)
    gone = client.post(f"/assignments/{assignment['_id']}/delete", data={"form_token": token})
    assert gone.status_code == 303 and "assignment+removed" in gone.headers["location"]
    assert mongo_db.project_settings.find_one({"_id": assignment["_id"]}) is None
    again = client.post(f"/assignments/{assignment['_id']}/delete", data={"form_token": token})
    assert again.status_code == 400 and "does not exist" in again.text


def test_an_admin_requests_requantification_and_the_sensor_launches_it(client, mongo_db):
    import dagster as dg

    from kraken_assets.requantify import requantify_raw_files
    from kraken_resources import MongoResource
    from kraken_sensors.requantify_requests import build_requantify_request_sensor
    from tests.support.services import service_env

    mongo_db.raw_file.insert_many([{"_id": "a b.raw", "status": "done_not_quanted"},
                                   {"_id": "busy.raw", "status": "quanting"}])
    assert "requantify-form" not in client.get("/raw_files/a b.raw").text  # not logged in: no button
    assert client.post("/requantify", data={"raw_file_id": "a b.raw", "form_token": "x"}).status_code == 401
    token = _login(client)
    assert "requantify-form" in client.get("/raw_files/a b.raw").text
    assert "requantify-form" not in client.get("/raw_files/busy.raw").text
    assert client.post("/requantify", data={"raw_file_id": "a b.raw", "form_token": "forged"}).status_code == 403
    assert client.post("/requantify", data={"raw_file_id": "busy.raw", "form_token": token}).status_code == 400
    done = client.post("/requantify", data={"raw_file_id": "a b.raw", "form_token": token})
    assert done.status_code == 303 and done.headers["location"].startswith("/raw_files/a%20b.raw?msg=")
    assert "re-quantification requested" in client.get(done.headers["location"]).text

    services = service_env()
    mongo = MongoResource(host=services["MONGO_HOST"], port=int(services["MONGO_PORT"]), database=mongo_db.name)
    sensor = build_requantify_request_sensor(requantify_raw_files)
    with dg.build_sensor_context(resources={"mongo": mongo}) as context:
        [run] = sensor(context).run_requests
    assert run.run_config == {"ops": {"requantify": {"config": {"raw_file_ids": ["a b.raw"],
                                                                "requested_by": "ana (companion)"}}}}
    with dg.build_sensor_context(resources={"mongo": mongo}) as context:
        assert isinstance(sensor(context), dg.SkipReason)  # launched once
