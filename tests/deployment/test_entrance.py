"""The one entrance, for real: Debian nginx with docker/nginx/alphakraken.conf.template (TLS from a certificate made
here), in front of the real companion app (the account store nginx asks before every request), two real Dagster
webservers (one `--read-only`) and the real MCP server, all on loopback ports.

Attacks: every route without a session; a viewer's GraphQL mutations (launch, terminate, stop a sensor); wrong
passwords; an old cookie after logout and after a password change; MCP without, with a wrong and with the right token.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kraken_core.record.accounts import add_account, issue_mcp_token, issue_token, reset_password
from tests.support.platform import free_port, wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "docker" / "nginx" / "alphakraken.conf.template"
ROLES = ("viewer", "operator", "admin")

DEFINITIONS = '''
import time
import dagster as dg

@dg.op
def wait_a_while():
    time.sleep(60)

@dg.job
def slow_job():
    wait_a_while()

@dg.sensor(job=slow_job, minimum_interval_seconds=3600)
def idle_sensor():
    return dg.SkipReason("nothing to do")

defs = dg.Definitions(jobs=[slow_job], sensors=[idle_sensor])
'''


def render_template(values: dict[str, str]) -> str:
    """What the nginx image's entrypoint does with NGINX_ENVSUBST_FILTER=^KRAKEN_: only ${KRAKEN_...} replaced."""
    text = TEMPLATE.read_text()
    used = set(re.findall(r"\$\{(KRAKEN_[A-Z_]+)\}", text))
    assert used <= set(values), f"the template uses {used - set(values)}"
    return re.sub(r"\$\{(KRAKEN_[A-Z_]+)\}", lambda m: values[m.group(1)], text)


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - the process writes it until stopped
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.started):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def answers(url: str, proc: subprocess.Popen, log: Path) -> bool:
    if proc.poll() is not None:
        raise RuntimeError(f"{log.stem} exited: {log.read_text()[-3000:]}")
    try:
        return httpx.get(url, timeout=3).status_code < 500
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def entrance(services, mongo_client, tmp_path_factory):
    nginx = services.get("NGINX_PATH")
    if not nginx:
        pytest.fail("Debian nginx is not installed: start the test services with nginx in the list")
    base = tmp_path_factory.mktemp("entrance")
    logs = base / "logs"
    logs.mkdir()
    db = mongo_client[f"kt_entrance_{secrets.token_hex(5)}"]
    passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
    for role in ROLES:
        add_account(db, role, role, passwords[role])

    tls = base / "tls"
    tls.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(tls / "key.pem"),
                    "-out", str(tls / "certificate.pem")], check=True, capture_output=True)

    (base / "defs.py").write_text(DEFINITIONS)
    (base / "workspace.yaml").write_text(f"load_from:\n  - python_file:\n      relative_path: {base / 'defs.py'}\n"
                                         f"      location_name: entrance\n      working_directory: {base}\n")
    dagster_home = base / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    ports = {name: free_port() for name in ("full", "read_only", "companion", "mcp", "nginx")}
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "ENV": "test", "MOUNTS_PATH": str(base),
           "MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": db.name}
    bin_dir = Path(sys.executable).parent
    # the storage made once, before two webservers open it at the same time
    subprocess.run([str(Path(sys.executable).parent / "dagster"), "instance", "migrate"], env=env, check=True,
                   capture_output=True, timeout=120)
    procs = Processes(logs)
    try:
        webserver = [str(bin_dir / "dagster-webserver"), "-h", "127.0.0.1", "-w", str(base / "workspace.yaml")]
        full = procs.start("webserver", [*webserver, "-p", str(ports["full"])], env)
        read_only = procs.start("webserver-read-only", [*webserver, "-p", str(ports["read_only"]), "--read-only"], env)
        companion = procs.start("companion", [sys.executable, "-m", "kraken_ui_ext.companion"],
                                {**env, "KRAKEN_COMPANION_PORT": str(ports["companion"]),
                                 "KRAKEN_WEBAPP_SECRET": secrets.token_hex(32)})
        mcp = procs.start("mcp", [sys.executable, "-m", "mcp_server"],
                          {**env, "MCP_TRANSPORT": "streamable-http", "MCP_PORT": str(ports["mcp"])})
        conf = render_template({
            "KRAKEN_WEBSERVER_UPSTREAM": f"127.0.0.1:{ports['full']}",
            "KRAKEN_READONLY_WEBSERVER_UPSTREAM": f"127.0.0.1:{ports['read_only']}",
            "KRAKEN_COMPANION_UPSTREAM": f"127.0.0.1:{ports['companion']}",
            "KRAKEN_MCP_UPSTREAM": f"127.0.0.1:{ports['mcp']}",
            "KRAKEN_NGINX_LISTEN_PORT": f"127.0.0.1:{ports['nginx']}",
            "KRAKEN_TLS_CERTIFICATE": str(tls / "certificate.pem"),
            "KRAKEN_TLS_CERTIFICATE_KEY": str(tls / "key.pem"),
        })
        (base / "alphakraken.conf").write_text(conf)
        user = "user root root;\n" if os.geteuid() == 0 else ""
        (base / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {base}/nginx.pid;\nerror_log {logs}/nginx.log info;\n"
            f"events {{ worker_connections 256; }}\nhttp {{\n  access_log {logs}/nginx-access.log;\n"
            + "".join(f"  {kind}_temp_path {base}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {base}/alphakraken.conf;\n}}\n")
        entrance_proc = procs.start("nginx", [nginx, "-p", str(base), "-c", str(base / "nginx.conf"),
                                              "-e", str(logs / "nginx.log")], env)
        wait_for(lambda: answers(f"http://127.0.0.1:{ports['companion']}/healthz", companion, logs / "companion.log"),
                 60, "the companion app")
        wait_for(lambda: answers(f"http://127.0.0.1:{ports['mcp']}/mcp", mcp, logs / "mcp.log"), 60, "the MCP server")
        for name, proc, port in (("webserver", full, ports["full"]), ("webserver-read-only", read_only, ports["read_only"])):
            wait_for(lambda p=proc, n=name, port=port: answers(f"http://127.0.0.1:{port}/server_info", p,
                                                               logs / f"{n}.log"), 180, name)
            wait_for(lambda port=port: _location_loaded(port), 180, f"the code location of the {name}")
        url = f"https://127.0.0.1:{ports['nginx']}"
        verify = str(tls / "certificate.pem")
        wait_for(lambda: _up(url, verify, entrance_proc, logs), 30, "nginx")
        yield {"url": url, "verify": verify, "db": db, "passwords": passwords}
    finally:
        procs.stop()
        mongo_client.drop_database(db.name)


def _location_loaded(port: int) -> bool:
    query = "{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError { __typename } } } } }"
    answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=30).json()
    entries = answer["data"]["workspaceOrError"]["locationEntries"]
    return bool(entries) and entries[0]["locationOrLoadError"] and \
        entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation"


def _up(url: str, verify: str, proc: subprocess.Popen, logs: Path) -> bool:
    if proc.poll() is not None:
        raise RuntimeError(f"nginx exited: {(logs / 'nginx.log').read_text()[-3000:]}")
    try:
        return httpx.get(f"{url}/companion/login", verify=ssl.create_default_context(cafile=verify),
                         timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def browser(entrance) -> httpx.Client:
    return httpx.Client(base_url=entrance["url"], verify=ssl.create_default_context(cafile=entrance["verify"]),
                        follow_redirects=False, timeout=60)


def logged_in(entrance, role: str, password: str | None = None) -> httpx.Client:
    client = browser(entrance)
    done = client.post("/companion/login", data={"user": role, "password": password or entrance["passwords"][role]})
    assert done.status_code == 303, done.text
    return client


def graphql(client: httpx.Client, query: str, variables: dict | None = None) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, (response.status_code, response.text[:500])
    return response.json()["data"]


SELECTOR = {"repositoryLocationName": "entrance", "repositoryName": "__repository__"}
LAUNCH = """mutation($selector: JobOrPipelineSelector!) { launchRun(executionParams: {selector: $selector}) {
    __typename ... on LaunchRunSuccess { run { runId } } } }"""
TERMINATE = """mutation($runId: String!) { terminateRun(runId: $runId) { __typename
    ... on TerminateRunFailure { message } } }"""
START_SENSOR = """mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
    __typename ... on Sensor { sensorState { id status } } } }"""
STOP_SENSOR = """mutation($id: String!) { stopSensor(id: $id) { __typename
    ... on StopSensorMutationResult { instigationState { status } } } }"""


@pytest.mark.parametrize("path", ["/", "/graphql", "/runs", "/server_info", "/overview", "/companion/",
                                  "/companion/overview", "/companion/overview.csv", "/companion/trends",
                                  "/companion/status", "/companion/projects", "/companion/raw_files/x.raw",
                                  "/companion/../graphql", "/companion/%2e%2e/graphql", "/companion/static/../projects"])
def test_every_route_without_a_session_goes_to_the_login(entrance, path):
    client = browser(entrance)
    for method in ("GET", "POST"):
        response = client.request(method, path)
        assert response.status_code == 302, (method, path, response.status_code)
        assert response.headers["location"].startswith(f"{entrance['url']}/companion/login?return_to=")
        assert "max-age=" in response.headers["strict-transport-security"]


def test_the_login_page_is_open_over_tls_only(entrance):
    client = browser(entrance)
    page = client.get("/companion/login")
    assert page.status_code == 200 and 'id="login-form"' in page.text
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    plain = httpx.get(entrance["url"].replace("https://", "http://") + "/companion/login", timeout=10)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")


def test_a_viewers_mutations_are_refused_and_an_operators_accepted(entrance):
    viewer, operator = logged_in(entrance, "viewer"), logged_in(entrance, "operator")
    job = {**SELECTOR, "jobName": "slow_job"}
    sensor = {**SELECTOR, "sensorName": "idle_sensor"}
    assert graphql(viewer, "{ version }")["version"]  # viewers read the Dagster UI
    assert graphql(viewer, LAUNCH, {"selector": job})["launchRun"]["__typename"] == "UnauthorizedError"
    assert graphql(viewer, START_SENSOR, {"selector": sensor})["startSensor"]["__typename"] == "UnauthorizedError"

    launched = graphql(operator, LAUNCH, {"selector": job})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    started = graphql(operator, START_SENSOR, {"selector": sensor})["startSensor"]
    assert started["sensorState"]["status"] == "RUNNING"
    state_id = started["sensorState"]["id"]

    refused = graphql(viewer, TERMINATE, {"runId": run_id})["terminateRun"]
    assert refused == {"__typename": "TerminateRunFailure", "message": "You do not have permission to terminate this run"}
    assert graphql(viewer, STOP_SENSOR, {"id": state_id})["stopSensor"]["__typename"] == "UnauthorizedError"
    assert graphql(operator, TERMINATE, {"runId": run_id})["terminateRun"]["__typename"] == "TerminateRunSuccess"
    stopped = graphql(operator, STOP_SENSOR, {"id": state_id})["stopSensor"]
    assert stopped["instigationState"]["status"] == "STOPPED"


def test_companion_writes_by_role_through_the_entrance(entrance):
    for role, expected in (("viewer", 403), ("operator", 403), ("admin", 303)):
        client = logged_in(entrance, role)
        page = client.get("/companion/projects")
        assert page.status_code == 200
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        done = client.post("/companion/projects/new", data={"project_id": f"E{role[:3].upper()}", "name": "x",
                                                             "form_token": token})
        assert done.status_code == expected, (role, done.status_code)
    assert entrance["db"].project.count_documents({}) == 1


def test_wrong_passwords_are_throttled_at_the_entrance(entrance):
    name = "guessed"
    password = secrets.token_urlsafe(12)
    add_account(entrance["db"], name, "viewer", password)
    client = browser(entrance)
    codes = [client.post("/companion/login", data={"user": name, "password": f"guess-{i}-xxxxxx"}).status_code
             for i in range(5)]
    assert codes == [401] * 5
    locked = client.post("/companion/login", data={"user": name, "password": password})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_an_old_cookie_is_refused_after_logout_and_after_a_password_change(entrance):
    for ending in ("logout", "password change"):
        client = logged_in(entrance, "operator")
        cookie = client.cookies["kraken_session"]
        assert client.get("/runs").status_code == 200
        if ending == "logout":
            assert client.post("/companion/logout").status_code == 303
        else:
            new_password = secrets.token_urlsafe(12)
            reset_password(entrance["db"], "operator", new_password)
            entrance["passwords"]["operator"] = new_password
        replay = browser(entrance)
        replay.cookies.set("kraken_session", cookie)
        for path in ("/runs", "/companion/overview"):
            assert replay.get(path).status_code == 302, (ending, path)
        assert replay.post("/graphql", json={"query": "{ version }"}).status_code == 302, ending


def test_mcp_answers_only_the_right_bearer_token(entrance):
    token = issue_mcp_token(entrance["db"], "viewer")
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "test", "version": "1"}}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    client = browser(entrance)
    assert client.post("/mcp", json=initialize, headers=headers).status_code == 401
    wrong = {**headers, "Authorization": "Bearer akt_" + secrets.token_urlsafe(32)}
    assert client.post("/mcp", json=initialize, headers=wrong).status_code == 401
    session_only = logged_in(entrance, "admin")
    assert session_only.post("/mcp", json=initialize, headers=headers).status_code == 401
    right = client.post("/mcp", json=initialize, headers={**headers, "Authorization": f"Bearer {token}"})
    assert right.status_code == 200 and "AlphaKraken" in right.text


def test_the_rest_api_answers_an_api_token_and_refuses_others_in_json(entrance):
    client = browser(entrance)
    refused = client.get("/companion/api/v1/raw_files")
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/json")
    assert "api-token" in refused.json()["detail"]
    mcp = {"Authorization": f"Bearer {issue_mcp_token(entrance['db'], 'viewer')}"}
    assert client.get("/companion/api/v1/raw_files", headers=mcp).status_code == 401
    api = {"Authorization": f"Bearer {issue_token(entrance['db'], 'viewer', 'api')}"}
    answer = client.get("/companion/api/v1/raw_files?limit=5", headers=api)
    assert answer.status_code == 200 and answer.json()["limit"] == 5
    assert client.get("/companion/overview", headers=api).status_code == 302  # the token opens the API only
    described = client.get("/companion/api/v1/openapi.json").json()
    assert described["servers"] == [{"url": "/companion/api/v1"}]
    assert logged_in(entrance, "viewer").get("/companion/api/v1/instruments").status_code == 200
