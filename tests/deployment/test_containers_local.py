"""The `local` profile for real, through docker/compose.sh: PostgreSQL storage, webserver, daemon, code location,
companion, MCP server and nginx in containers of the project's images (databases and nginx as stand-ins, every
container on the host network, see tests/deployment/compose.test.yaml). A Thermo file and a Bruker `.d` dropped
into the instrument folders on the host are backed up identically by runs the DockerRunLauncher starts in their
own containers of the code image, owned by KRAKEN_UID:KRAKEN_GID; the result is visible through the one entrance:
nginx over HTTPS with the certificate compose.sh made, to people logged in with accounts made at test time (an
operator for the Dagster UI, the MCP server by bearer token)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import stat
import time
from datetime import datetime, timezone

import httpx

import pytest

from kraken_core.simulator import write_bruker, write_thermo
from tests.deployment.containers import (
    docker, PROJECT_IMAGES, STANDIN_IMAGES, TEST_GID, TEST_UID, Entrance, Stack, add_account, copy_repository,
    fill_example_secrets, free_port, graphql, issue_mcp_token, prepare_mounts, release_mounts, stack_env, tag,
    wait_port,
)
from tests.support.platform import wait_for

pytestmark = pytest.mark.e2e

THERMO = "20240301_PRJ1_container.raw"
BRUKER = "20240301_PRJ2_container.d"


@pytest.fixture(scope="module")
def local(engine, services, images, tmp_path_factory):
    for key in PROJECT_IMAGES:
        tag(engine, images[key], "local")
    for key in STANDIN_IMAGES:
        tag(engine, images[key], "test")
    base = tmp_path_factory.mktemp("local")
    repo = copy_repository(base / "repo")
    fill_example_secrets(repo)
    mounts = prepare_mounts(base / "mounts")
    ports = {name: free_port() for name in ("mongo", "postgres", "webserver", "readonly", "code", "companion", "mcp",
                                            "nginx")}
    env = stack_env(
        engine, services, "local", mounts,
        KRAKEN_LOCAL_MONGO_HOST="127.0.0.1", KRAKEN_LOCAL_MONGO_PORT=str(ports["mongo"]),
        DAGSTER_POSTGRES_HOST="127.0.0.1", DAGSTER_POSTGRES_PORT=str(ports["postgres"]),
        KRAKEN_CODE_SERVER_HOST="127.0.0.1", KRAKEN_CODE_SERVER_PORT=str(ports["code"]),
        KRAKEN_WEBSERVER_UPSTREAM=f"127.0.0.1:{ports['webserver']}",
        KRAKEN_READONLY_WEBSERVER_UPSTREAM=f"127.0.0.1:{ports['readonly']}",
        KRAKEN_COMPANION_UPSTREAM=f"127.0.0.1:{ports['companion']}",
        KRAKEN_MCP_UPSTREAM=f"127.0.0.1:{ports['mcp']}",
        KRAKEN_RECORD_DUMP_CRON="* * * * *",
        KRAKEN_HTTPS_PORT=str(ports["nginx"]),  # where the entrance's links point (compose.sh)
        **{f"KT_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    )
    stack = Stack(repo, "kt-local", env, ("local",))
    stack.down()
    started = time.monotonic()
    try:
        stack.compose("up", "-d", timeout=600)
        for webserver in ("webserver", "webserver-read-only"):
            wait_for(lambda w=webserver: stack.health(w) == "healthy", 180, f"the {webserver} to be healthy")
        wait_port(ports["nginx"], 60, "nginx")
        # the self-signed certificate compose.sh makes for `local`
        entrance = Entrance(f"https://127.0.0.1:{ports['nginx']}", repo / ".run" / "tls" / "certificate.pem")
        wait_for(entrance.answers, 60, "the login page through the entrance")
        people = {role: add_account(stack, f"kt-{role}", role) for role in ("viewer", "operator")}
        operator = entrance.login("kt-operator", people["operator"])
        yield stack, mounts, ports, started, entrance, operator, people
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.down()
        release_mounts(mounts)


def test_every_service_of_the_local_profile_runs(local):
    stack, _, _, _, _, operator, _ = local
    containers = stack.containers()
    assert set(containers) == {"mongodb", "mongodb-users", "postgres", "webserver", "webserver-read-only", "daemon",
                               "companion", "mcp", "nginx", "code-location"}
    users = containers["mongodb-users"]["State"]
    assert users["Status"] == "exited" and users["ExitCode"] == 0, stack.logs("mongodb-users")
    for name, container in containers.items():
        assert container["HostConfig"]["NetworkMode"] == "host", name
        if name != "mongodb-users":
            assert container["State"]["Status"] == "running", (name, stack.logs(name))
        if name in ("webserver", "webserver-read-only", "daemon", "code-location", "companion", "mcp",
                    "mongodb-users"):
            assert container["Config"]["User"] == f"{TEST_UID}:{TEST_GID}", name
    assert containers["code-location"]["Config"]["Image"] == "alphakraken-code:local"
    # Dagster's storage is the PostgreSQL of the stack, reached by the webserver (through the entrance)
    info = operator.get("/server_info").json()
    assert "dagster_webserver_version" in info or "dagster_version" in info
    instance = graphql(operator, "{ instance { info runLauncher { name } } }")["instance"]
    assert instance["runLauncher"]["name"] == "DockerRunLauncher"
    assert "PostgresRunStorage" in (instance["info"] or "PostgresRunStorage"), instance["info"]
    assert "pool copies" in stack.logs("code-location")



def _permissions(client: httpx.Client) -> dict[str, bool]:
    answer = graphql(client, "{ permissions { permission value } }")
    return {p["permission"]: p["value"] for p in answer["permissions"]}


def test_the_entrance_is_the_only_way_in(local):
    """Only nginx publishes a port (HTTPS, on this machine's loopback for `local`); plain HTTP is sent to https;
    without a session every page goes to the login, MCP without a token is refused; a viewer gets the read-only
    Dagster UI, an operator the full one."""
    stack, _, ports, _, entrance, operator, people = local
    # the real compose file (without the test override) for this stack: one published port
    config = json.loads(stack.compose("config", "--format", "json", override=False).stdout)
    published = {name: [(p.get("host_ip"), str(p.get("published")), p["target"]) for p in service["ports"]]
                 for name, service in config["services"].items() if service.get("ports")}
    assert published == {"nginx": [("127.0.0.1", stack.env.get("KRAKEN_HTTPS_PORT", "8443"), 8443)]}
    # the key of the certificate compose.sh made is its owner's only
    key = stack.repo / ".run" / "tls" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    for path in ("/companion/login", "/runs"):
        plain = httpx.get(f"http://127.0.0.1:{ports['nginx']}{path}", timeout=10)
        assert plain.status_code == 301 and plain.headers["location"] == f"{entrance.url}{path}", path
    anonymous = entrance.client()
    for method, path in (("GET", "/"), ("GET", "/runs"), ("POST", "/graphql"), ("GET", "/companion/overview"),
                         ("GET", "/companion/overview.csv")):
        response = anonymous.request(method, path)
        assert response.status_code == 302, (method, path, response.status_code)
        assert response.headers["location"].startswith(f"{entrance.url}/companion/login?return_to="), path
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    assert anonymous.post("/mcp", json={}).status_code == 401

    viewer = entrance.login("kt-viewer", people["viewer"])
    assert viewer.get("/companion/overview").status_code == 200
    assert _permissions(viewer)["launch_pipeline_execution"] is False
    assert graphql(viewer, "mutation { reloadWorkspace { __typename } }")["reloadWorkspace"]["__typename"] == \
        "UnauthorizedError"
    assert _permissions(operator)["launch_pipeline_execution"] is True

def test_files_dropped_on_the_host_are_backed_up_by_run_containers(local, engine):
    stack, mounts, _, started, entrance, operator, _ = local
    thermo_dir, bruker_dir = mounts / "instruments" / "astral1", mounts / "instruments" / "tims1"
    wait_for(lambda: thermo_dir.is_dir() and bruker_dir.is_dir(), 120, "the code location to prepare the folders")
    write_thermo(thermo_dir, THERMO, 3_000_000, seed=11)
    write_bruker(bruker_dir, BRUKER, 2_000_000, seed=12)
    month = datetime.now(timezone.utc).strftime("%Y_%m")
    thermo_backup = mounts / "backup" / "astral1" / month / THERMO
    bruker_backup = mounts / "backup" / "tims1" / month / BRUKER

    first_backup = []

    def succeeded_runs():
        if not first_backup and (thermo_backup.is_file() or (bruker_backup / "analysis.tdf_bin").is_file()):
            first_backup.append(time.monotonic() - started)
        runs = graphql(operator, """{ runsOrError(filter: {statuses: [SUCCESS]}) { ... on Runs { results {
            runId tags { key value } } } } }""")["runsOrError"]["results"]
        by_partition = {}
        for run in runs:
            tags = {t["key"]: t["value"] for t in run["tags"]}
            by_partition.setdefault(tags.get("dagster/partition"), []).append(tags)
        return by_partition if {THERMO, BRUKER} <= set(by_partition) else None

    try:
        by_partition = wait_for(succeeded_runs, 400, "the backup runs of both raw files to succeed", interval=1)
    except AssertionError:
        print(stack.logs("daemon", "code-location"))
        raise
    print(f"from `up` to the first backed-up file: {first_backup[0]:.0f} s; "
          f"to both runs done: {time.monotonic() - started:.0f} s")
    assert thermo_backup.read_bytes() == (thermo_dir / THERMO).read_bytes()
    sources = sorted(p.relative_to(bruker_dir / BRUKER) for p in (bruker_dir / BRUKER).rglob("*") if p.is_file())
    copies = sorted(p.relative_to(bruker_backup) for p in bruker_backup.rglob("*") if p.is_file())
    assert sources == copies and len(sources) >= 4
    for relative in sources:
        assert (bruker_backup / relative).read_bytes() == (bruker_dir / BRUKER / relative).read_bytes()
    for path in [thermo_backup, bruker_backup, *bruker_backup.rglob("*")]:
        assert (path.stat().st_uid, path.stat().st_gid) == (TEST_UID, TEST_GID), path

    def partitions_listed():
        data = graphql(operator, '{ assetNodeOrError(assetKey: {path: ["raw_file_backup"]}) '
                                 '{ ... on AssetNode { partitionKeys } } }')
        node = data["assetNodeOrError"]
        return node if {THERMO, BRUKER} <= set(node["partitionKeys"]) else None

    wait_for(partitions_listed, 120, "the partitions through the entrance")
    for partition in (THERMO, BRUKER):
        run_tags = by_partition[partition][0]
        # started by the DockerRunLauncher, in a container of the code image
        assert run_tags.get("dagster/image") == "alphakraken-code:local", run_tags
        assert run_tags.get("docker/container_id"), run_tags
    answer = graphql(operator, """{ assetCheckExecutions(assetKey: {path: ["raw_file_backup"]},
        checkName: "backup_identical", limit: 50) { status partition evaluation { success } } }""")
    for partition in (THERMO, BRUKER):
        passed = [e for e in answer["assetCheckExecutions"] if e["partition"] == partition
                  and e["status"] == "SUCCEEDED" and e["evaluation"]["success"]]
        assert passed, (partition, answer)

    # the companion lists the files (through the entrance)
    export = operator.get("/companion/overview.csv")
    assert export.status_code == 200, export.status_code
    table = list(csv.DictReader(io.StringIO(export.text)))
    listed = json.dumps(table)
    assert THERMO in listed and BRUKER in listed
    # its links to the Dagster UI go through the entrance too (nothing else is published)
    links = [row[key] for row in table for key in row if str(row[key]).startswith(("http://", "https://"))]
    assert links and all(link.startswith(f"{entrance.url}/assets/") for link in links), links
    page = operator.get(f"/companion/raw_files/{THERMO}")
    assert page.status_code == 200 and f'href="{entrance.url}/assets/' in page.text

    # the MCP server answers a real client over streamable HTTP, through the entrance, with a person's bearer token
    from tests.mcp.client import call, http_session

    token = issue_mcp_token(stack, "kt-viewer")

    async def ask():
        async with http_session(f"{entrance.url}/mcp", headers={"Authorization": f"Bearer {token}"},
                                verify=entrance.tls()) as session:
            tools = {t.name for t in (await session.list_tools()).tools}
            assert "get_raw_files_by_names" in tools
            return await call(session, "get_raw_files_by_names", raw_file_names=[THERMO, BRUKER])

    answer = asyncio.run(ask())
    assert {item["raw_file"]["name"] for item in answer} == {THERMO, BRUKER}


def test_the_record_dump_schedule_runs_in_a_run_container_and_the_dump_restores(local, engine, images):
    stack, mounts, _, _, _, operator, _ = local
    dumps = mounts / "backup" / "_alphakraken_record"

    def scheduled_run_succeeded():
        runs = graphql(operator, """{ runsOrError(filter: {tags: [{key: "dagster/schedule_name", value:
            "record_dump_schedule"}]}) { ... on Runs { results { runId status tags { key value } } } } }""")
        done = [r for r in runs["runsOrError"]["results"] if r["status"] == "SUCCESS"]
        return done[0] if done else None

    try:
        run = wait_for(scheduled_run_succeeded, 180, "a run of record_dump_schedule to succeed", interval=3)
    except AssertionError:
        print(stack.logs("daemon", "code-location"))
        raise
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags["dagster/image"] == "alphakraken-code:local" and tags["docker/container_id"]
    slots = sorted(p for p in (dumps / "hourly").iterdir() if (p / "manifest.json").is_file())
    assert slots, list(dumps.rglob("*"))
    slot = slots[-1]
    manifest = json.loads((slot / "manifest.json").read_text())
    for path in [slot, *slot.rglob("*")]:
        assert (path.stat().st_uid, path.stat().st_gid) == (TEST_UID, TEST_GID), path

    # restore into a fresh database of the same server, with the code image, as docs/deployment.md shows
    env = stack.env
    restored = docker(engine, "run", "--rm", "--network", "host", "--user", f"{TEST_UID}:{TEST_GID}",
                      "-v", f"{mounts}:{mounts}:ro", "-e", "ENV=local", "-e", f"MOUNTS_PATH={mounts}",
                      "-e", "MONGO_HOST=127.0.0.1", "-e", f"MONGO_PORT={env['KT_MONGO_PORT']}",
                      images["code"].ref, "python", "-m", "kraken_core.record.backup_cli", "restore", str(slot),
                      "--database", "krakendb_restored", timeout=300)
    print(restored.stdout)
    import pymongo

    client = pymongo.MongoClient("127.0.0.1", int(env["KT_MONGO_PORT"]), serverSelectionTimeoutMS=5000)
    try:
        original, copy = client["krakendb"], client["krakendb_restored"]
        counts = manifest["counts"]
        assert counts.get("raw_file", 0) >= 2, manifest
        for collection, count in counts.items():
            dumped = sorted(original[collection].find({}), key=lambda d: str(d["_id"]))
            back = sorted(copy[collection].find({}), key=lambda d: str(d["_id"]))
            assert len(back) == count, collection
            if collection == "raw_file":
                assert {d["_id"] for d in back} >= {THERMO, BRUKER}
                assert [d["_id"] for d in back] == [d["_id"] for d in dumped]
    finally:
        client.close()
