"""End to end with the daemon and the webserver: a zero-byte acquisition is backed up, and the Dagster UI's data
(GraphQL) lists its partition among the failed ones of raw_file's acquisition check, next to a passing file."""

import pytest

from kraken_core.simulator import write_thermo
from tests.e2e.test_raw_file_pipeline_e2e import graphql
from tests.support.platform import running_platform, wait_for

pytestmark = pytest.mark.e2e

CHECK_PARTITIONS = """{ assetNodeOrError(assetKey: {path: ["raw_file"]}) { ... on AssetNode { assetChecksOrError {
  ... on AssetChecks { checks { name partitionStatuses { ... on AssetCheckDefaultPartitionStatuses {
    succeededPartitions failedPartitions } } } } } } } }"""


@pytest.fixture
def platform(tmp_path, services, mounts):
    with running_platform(tmp_path, services, {"MOUNTS_PATH": str(mounts)}, webserver=True) as running:
        yield running


def test_a_zero_byte_acquisition_is_a_failed_partition_of_the_acquisition_check(platform, mounts):
    running, db = platform
    thermo = mounts / "instruments" / "thermo1"
    write_thermo(thermo, "20240301_PRJ1_empty.raw", 0)
    write_thermo(thermo, "20240301_PRJ1_good.raw", 300_000, seed=1)
    expected = {"20240301_PRJ1_empty.raw": "acquisition_failed", "20240301_PRJ1_good.raw": "done_not_quanted"}

    def finished():
        docs = {d["_id"]: d for d in db.raw_file.find({"backup_status": "copying_done"})}
        return docs if set(docs) >= set(expected) else None

    try:
        docs = wait_for(finished, 180, "both raw files to be backed up")
    except AssertionError:
        print(running.log_tail())
        raise
    assert {rid: docs[rid]["status"] for rid in expected} == expected

    def check_partitions():
        answer = graphql(running.url, CHECK_PARTITIONS)
        [check] = [c for c in answer["data"]["assetNodeOrError"]["assetChecksOrError"]["checks"]
                   if c["name"] == "acquisition_complete"]
        statuses = check["partitionStatuses"] or {}
        return statuses if statuses.get("failedPartitions") and statuses.get("succeededPartitions") else None

    statuses = wait_for(check_partitions, 60, "the webserver to report the acquisition check per partition")
    assert statuses["failedPartitions"] == ["20240301_PRJ1_empty.raw"]
    assert statuses["succeededPartitions"] == ["20240301_PRJ1_good.raw"]
