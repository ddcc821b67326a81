"""End to end with the real Dagster daemon in production mode: acquired raw files are backed up, moved into the
instrument's Backup/ folder by the mover sensor, then deleted by the purge job (launched as the remover schedule
would), each file only after its backup was proven identical."""

import subprocess
from pathlib import Path

import pytest
import yaml

from kraken_core.simulator import write_bruker, write_thermo
from tests.support.lifecycle import unaccounted_files
from tests.support.mount_markers import MARKER, marked_as_mounted
from tests.support.platform import VENV_BIN, running_platform, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def production_envs(folder: Path, mounts: Path) -> Path:
    """`envs/` for ENV=production on the test mounts: the test configuration with production: true (and the mount
    checks it requires, as marker files)."""
    folder.mkdir()
    config = yaml.safe_load((ROOT / "envs" / "alphakraken.test.yaml").read_text())
    config["production"] = True
    config = marked_as_mounted(config, mounts)
    for instrument in config["instruments"].values():
        instrument["lifecycle"] = {"file_move_delay_m": 0, "min_free_space_gb": 10**6, "min_file_age_days": 0}
    # the schedule stays out of the way (1 January); the test launches the purge once the files are moved
    config["lifecycle"] = {"mover_interval_s": 10, "remover_cron": "0 0 1 1 *"}
    (folder / "alphakraken.production.yaml").write_text(yaml.safe_dump(config))
    (folder / "production.env").write_text("# the test sets MONGO_* and MOUNTS_PATH\n")
    return folder


@pytest.fixture
def platform(tmp_path, services, mounts):
    env = {"ENV": "production", "KRAKEN_ENVS_DIR": str(production_envs(tmp_path / "envs", mounts)),
           "MOUNTS_PATH": str(mounts)}
    with running_platform(tmp_path, services, env, database_prefix="kt_life") as running:
        yield running


def test_acquired_files_are_moved_then_purged_by_the_daemon(platform, mounts):
    from kraken_core.config.schema import KrakenConfig
    from tests.conftest import config_dict

    running, db = platform
    thermo, bruker = mounts / "instruments" / "thermo1", mounts / "instruments" / "bruker1"
    write_thermo(thermo, "20240301_PRJ1_a.raw", 1_500_000, seed=1)
    write_bruker(bruker, "20240301_PRJ1_b.d", 1_000_000, seed=2)
    expected = {"20240301_PRJ1_a.raw", "20240301_PRJ1_b.d"}

    def statuses(wanted):
        docs = {d["_id"]: d.get("instrument_file_status") for d in db.raw_file.find({})}
        return docs if {rid for rid, status in docs.items() if status in wanted} >= expected else None

    try:
        wait_for(lambda: statuses({"moved"}), 300, "the mover sensor to move both raw files")
        assert (thermo / "Backup" / "20240301_PRJ1_a.raw").is_file() and not (thermo / "20240301_PRJ1_a.raw").exists()
        launch = subprocess.run([str(VENV_BIN / "dagster"), "job", "launch", "-w", str(ROOT / "workspace.yaml"),
                                 "-j", "purge_instrument_files"], cwd=ROOT, env=running.env, capture_output=True,
                                text=True, timeout=120)
        assert launch.returncode == 0, launch.stderr[-2000:]
        wait_for(lambda: statuses({"purged"}), 300, "the purge job to purge both raw files")
    except AssertionError:
        print(running.log_tail())
        raise
    events = list(db.instrument_file_log.find({"raw_file_id": {"$in": sorted(expected)}}))
    assert {(e["raw_file_id"], e["action"]) for e in events} >= {(rid, a) for rid in expected
                                                                 for a in ("moved", "deleted")}
    assert all(e["destructive"] for e in events)
    assert {p.name for p in thermo.iterdir()} == {"Backup", MARKER} and list((thermo / "Backup").iterdir()) == []
    assert list((bruker / "Backup").iterdir()) == []
    config = KrakenConfig.model_validate(config_dict(mounts))
    for rid in expected:
        assert unaccounted_files(config, db, rid) == []
