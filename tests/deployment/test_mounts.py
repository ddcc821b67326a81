"""The mount helper: fstab lines of the shipped sandbox and production configs, and the mount check."""

import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from kraken_core.config import load_config
from kraken_core.mounts import check_target, fstab_lines, mount_command, mount_targets, mounted_sources

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env_of(monkeypatch):
    """Load a shipped environment as a host would: its .env file only, nothing from this machine."""

    def load(env: str):
        for key in ("MOUNTS_PATH", "KRAKEN_UID", "KRAKEN_GID"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("ENV", env)
        return load_config(env), dotenv_values(ROOT / "envs" / f"{env}.env")

    return load


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_fstab_has_one_cifs_line_per_share_of_the_shipped_config(env_of, env):
    config, env_file = env_of(env)
    lines = fstab_lines(config)
    shares = {i: c.share for i, c in config.instruments.items()}
    shares |= {n: getattr(config.locations, n).share for n in ("backup", "output", "logs")}
    assert len(lines) == len(shares) == 6
    mounts = env_file["MOUNTS_PATH"]
    for line in lines:
        source, target, fstype, options, dump, passno = line.split(" ")
        assert fstype == "cifs" and (dump, passno) == ("0", "0")
        assert source in shares.values() and target.startswith(f"{mounts}/")
        opts = options.split(",")
        assert f"credentials={config.mounts.credentials_file}" in opts
        assert f"uid={env_file['KRAKEN_UID']}" in opts and f"gid={env_file['KRAKEN_GID']}" in opts
        assert {"_netdev", "nofail"} <= set(opts)
        assert not any(o.startswith(("password=", "username=")) for o in opts), "credentials stay in their file"
    assert f"{shares['astral1']} {mounts}/instruments/astral1 cifs " in "\n".join(lines)
    assert f"{shares['backup']} {mounts}/backup cifs " in "\n".join(lines)


def test_production_is_production_and_every_share_is_checked_as_a_mount_point(env_of):
    config, _ = env_of("production")
    assert config.production is True
    assert all(t.location.mount_check == "mountpoint" for t in mount_targets(config))
    sandbox, _ = env_of("sandbox")
    assert sandbox.production is False


def test_fstab_escapes_spaces_in_shares_and_paths(make_config, tmp_path):
    config = make_config(
        instruments={"thermo1": {"type": "thermo", "share": "//pc one/Data Files", "path": str(tmp_path / "my data")}},
        mounts={"uid": 1234, "gid": 99, "credentials_file": "/etc/creds"},
    )
    (line,) = fstab_lines(config)
    assert line.startswith(f"//pc\\040one/Data\\040Files {tmp_path}/my\\040data cifs credentials=/etc/creds,uid=1234,gid=99,")
    argv = mount_command(config, mount_targets(config)[0])
    assert argv[:5] == ["mount", "-t", "cifs", "//pc one/Data Files", str(tmp_path / "my data")]


def test_check_names_an_unmounted_folder_and_a_wrong_share(make_config, tmp_path):
    config = make_config(locations={"backup": {"path": str(tmp_path / "backup"), "share": "//fs/backup"}})
    (target,) = mount_targets(config)
    ok, message = check_target(target, mounted_sources())
    assert not ok and "is not mounted" in message and "backup" in message
    ok, message = check_target(target, {target.path: "//fs/other"})
    assert not ok and "//fs/other" in message and "//fs/backup" in message


def test_check_accepts_a_real_mount_point_from_the_kernel_table(make_config):
    table = mounted_sources()
    point, source = next((p, s) for p, s in table.items() if p != Path("/") and p.is_dir() and " " not in s)
    config = make_config(locations={"output": {"path": str(point), "share": source}})
    (target,) = mount_targets(config)
    ok, message = check_target(target, table)
    assert ok, message
    assert "GB free" in message


def test_the_command_line_prints_fstab_for_an_environment():
    done = subprocess.run([sys.executable, "-m", "kraken_core.mounts", "fstab"], cwd=ROOT, capture_output=True,
                          text=True, env={"ENV": "production", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(" cifs ") == 6
    unknown = subprocess.run([sys.executable, "-m", "kraken_core.mounts", "mount", "--dry-run", "nope"], cwd=ROOT,
                             capture_output=True, text=True, env={"ENV": "production", "PATH": "/usr/bin:/bin"})
    assert unknown.returncode == 2 and "no share configured for nope" in unknown.stderr
