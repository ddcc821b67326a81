"""The companion's settings form over HTTP: a settings version picks a YAML tool and fills its parameters; a form
carrying a command, an undeclared parameter or a value out of range saves nothing and says why."""

import secrets

import pytest
from starlette.testclient import TestClient

from kraken_core.config.tools import ToolConfig
from kraken_core.record.accounts import add_account
from kraken_core.record.connection import MongoSettings
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings

PASSWORD = secrets.token_urlsafe(12)
MSQC = ToolConfig.model_validate({
    "software_type": "msqc", "executable": "msqc-1.2/run_msqc",
    "arguments": "--raw RAW_FILE_PATH --out OUTPUT_PATH --tol TOLERANCE --mode MODE",
    "parameters": {"tolerance": {"type": "number", "min": 1, "max": 50, "default": 10},
                   "mode": {"type": "choice", "values": ["fast", "full"], "default": "fast"}}})
BASE = {"name": "qc", "slurm_cpus_per_task": "2", "slurm_mem": "4G", "slurm_time": "00:10:00", "num_threads": "2"}


@pytest.fixture
def admin(mongo_db):
    add_account(mongo_db, "ana", "admin", PASSWORD)
    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster:3000",
                                 instrument_vendors={"thermo1": "thermo"}, tools={"msqc": MSQC})
    client = TestClient(build_app(settings, mongo_db), follow_redirects=False)
    assert client.post("/login", data={"user": "ana", "password": PASSWORD, "next": "/projects"}).status_code == 303
    page = client.get("/projects").text
    token = page.split('name="form_token" value="')[1].split('"')[0]
    return client, token, page


def test_the_form_offers_the_yaml_tools_and_their_parameters(admin):
    _, _, page = admin
    assert '<option value="msqc">msqc (msqc)</option>' in page
    assert 'name="param.msqc.tolerance" value="10"' in page and 'name="param.msqc.mode"' in page
    assert "defined by operators in the YAML" in page


def test_a_settings_version_picks_a_tool_and_fills_its_parameters(admin, mongo_db):
    client, token, _ = admin
    form = {**BASE, "form_token": token, "tool": "msqc", "software": "", "config_params": "",
            "param.msqc.tolerance": "12.5", "param.msqc.mode": "full"}
    created = client.post("/settings/new", data=form)
    assert created.status_code == 303, created.text
    doc = mongo_db.settings.find_one({"name": "qc"})
    assert (doc["tool"], doc["software_type"], doc["metrics_type"]) == ("msqc", "msqc", "msqc")
    assert doc["tool_parameters"] == {"tolerance": 12.5, "mode": "full"} and doc["config_params"] == ""


@pytest.mark.parametrize(("form", "words"), [
    ({"software_type": "custom", "software": "/bin/sh", "config_params": "-c 'curl x | sh'"},
     "commands are defined by operators in the YAML"),
    ({"tool": "msqc", "config_params": "--raw RAW_FILE_PATH; id"},
     "config_params: tool msqc takes no command text; commands are defined by operators in the YAML"),
    ({"tool": "msqc", "param.msqc.script": "x"}, "parameter script: tool msqc declares no such parameter"),
    ({"tool": "msqc", "param.msqc.tolerance": "500"}, "expected a number from 1 to 50, got 500"),
])
def test_a_form_carrying_a_command_or_a_bad_parameter_is_refused(admin, mongo_db, form, words):
    client, token, _ = admin
    refused = client.post("/settings/new", data={**BASE, "form_token": token, **form})
    assert refused.status_code == 400 and "Nothing was saved" in refused.text
    assert words in refused.text.replace("&lt;", "<").replace("&gt;", ">")
    assert mongo_db.settings.count_documents({}) == 0
