"""A production configuration refuses to load while any folder it reads or writes has no mount check."""

import pytest

from kraken_core.config import ConfigError, load_config

UNCHECKED = """
production: true
locations:
  instruments: {path: /mnt/instruments}
  backup: {path: /mnt/backup, mount_check: mountpoint}
  output: {path: /mnt/output}
  logs: {path: /mnt/logs, mount_check: marker}
instruments:
  astral1: {type: thermo, mount_check: mountpoint}
  tims1: {type: bruker}
"""


@pytest.fixture
def envs(tmp_path, monkeypatch):
    monkeypatch.setenv("KRAKEN_ENVS_DIR", str(tmp_path))
    (tmp_path / "production.env").write_text("")
    return tmp_path


def test_a_production_config_without_mount_checks_is_refused_naming_each_location_and_the_fix(envs):
    (envs / "alphakraken.production.yaml").write_text(UNCHECKED)
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    message = str(refused.value)
    assert str(envs / "alphakraken.production.yaml") in message
    assert "these have mount_check none: locations.output, instruments.tims1." in message
    assert "Set mount_check: mountpoint for each" in message and "mount_check: marker" in message


def test_the_same_locations_load_without_production_and_with_every_check_in_production(envs):
    (envs / "alphakraken.production.yaml").write_text(UNCHECKED.replace("production: true", "production: false"))
    assert load_config("production").locations.output.mount_check == "none"
    checked = UNCHECKED.replace("/mnt/output}", "/mnt/output, mount_check: mountpoint}").replace(
        "{type: bruker}", "{type: bruker, mount_check: marker}")
    (envs / "alphakraken.production.yaml").write_text(checked)
    assert load_config("production").production is True


def test_the_shipped_production_config_checks_every_mount(monkeypatch, tmp_path):
    monkeypatch.delenv("KRAKEN_ENVS_DIR", raising=False)
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))
    monkeypatch.setenv("KRAKEN_UID", "1000")
    monkeypatch.setenv("KRAKEN_GID", "1000")
    config = load_config("production")
    locations = [getattr(config.locations, name) for name in type(config.locations).model_fields]
    checks = [loc.mount_check for loc in locations if loc is not None and loc is not config.locations.instruments]
    checks += [instrument.mount_check for instrument in config.instruments.values()]
    assert config.production and "none" not in checks
