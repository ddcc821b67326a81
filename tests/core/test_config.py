"""Configuration: env files, `${VAR}` resolution, and errors that name the file and the key."""

from pathlib import Path

import pytest

from kraken_core.config import ConfigError, Vendor, load_config
from kraken_core.config.loader import load_environment


@pytest.fixture
def envs(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "envs"
    folder.mkdir()
    monkeypatch.setenv("KRAKEN_ENVS_DIR", str(folder))
    monkeypatch.delenv("MOUNTS_PATH", raising=False)
    return folder


GOOD = """
locations:
  instruments: {path: "${MOUNTS_PATH}/instruments"}
  backup: {path: "${MOUNTS_PATH}/backup"}
  output: {path: "${MOUNTS_PATH}/output"}
instruments:
  astral1: {type: thermo}
"""


def test_shipped_local_config_has_three_vendors_under_mounts_path(monkeypatch, tmp_path):
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))
    config = load_config("local")
    assert {i.type for i in config.instruments.values()} == {Vendor.THERMO, Vendor.BRUKER, Vendor.SCIEX}
    paths = [config.instrument_folder(i) for i in config.instruments]
    paths += [config.locations.backup.path, config.locations.output.path]
    assert all(tmp_path in p.parents for p in paths)


def test_variables_come_from_the_env_file_and_the_environment_wins(envs, monkeypatch, tmp_path):
    (envs / "sandbox.env").write_text(f"MOUNTS_PATH={tmp_path / 'from-file'}\nMONGO_DB=fromfile\n")
    (envs / "alphakraken.sandbox.yaml").write_text(GOOD)
    assert load_config("sandbox").locations.backup.path == tmp_path / "from-file" / "backup"
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path / "from-env"))
    assert load_config("sandbox").locations.backup.path == tmp_path / "from-env" / "backup"
    monkeypatch.setenv("MONGO_DB", "fromenv")
    assert load_environment("sandbox", apply=False)["MONGO_DB"] == "fromenv"


def test_unset_variable_names_key_file_and_variable(envs):
    (envs / "alphakraken.sandbox.yaml").write_text(GOOD)
    with pytest.raises(ConfigError) as err:
        load_config("sandbox")
    message = str(err.value)
    assert "alphakraken.sandbox.yaml" in message and "locations.instruments.path" in message
    assert "MOUNTS_PATH" in message


def test_variable_default_is_used_when_unset_or_empty(envs, monkeypatch, tmp_path):
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))
    monkeypatch.delenv("KT_PORT", raising=False)
    (envs / "alphakraken.sandbox.yaml").write_text("webserver_base_url: http://h:${KT_PORT:-3000}\n" + GOOD)
    assert load_config("sandbox").webserver_base_url == "http://h:3000"
    monkeypatch.setenv("KT_PORT", "")
    assert load_config("sandbox").webserver_base_url == "http://h:3000"
    monkeypatch.setenv("KT_PORT", "3101")
    assert load_config("sandbox").webserver_base_url == "http://h:3101"


def test_shipped_local_config_links_to_the_ports_of_this_instance(monkeypatch, tmp_path):
    """scripts/run-platform.sh (its ports) and docker/compose.sh (the entrance) say where the links point."""
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))
    monkeypatch.setenv("KRAKEN_WEBSERVER_BASE_URL", "https://127.0.0.1:8443")
    monkeypatch.setenv("KRAKEN_COMPANION_BASE_URL", "https://127.0.0.1:8443/companion")
    config = load_config("local")
    assert (config.webserver_base_url, config.companion_base_url) == ("https://127.0.0.1:8443",
                                                                      "https://127.0.0.1:8443/companion")
    monkeypatch.delenv("KRAKEN_WEBSERVER_BASE_URL")
    monkeypatch.delenv("KRAKEN_COMPANION_BASE_URL")
    config = load_config("local")
    assert (config.webserver_base_url, config.companion_base_url) == ("http://127.0.0.1:3000", "http://127.0.0.1:8050")


@pytest.mark.parametrize(
    ("yaml_text", "key", "expectation"),
    [
        (GOOD.replace("type: thermo", "type: thermoo"), "instruments.astral1.type", "thermo"),
        (GOOD.replace("astral1: {type: thermo}", "astral1: {type: thermo, colour: red}"),
         "instruments.astral1.colour", "unknown key"),
        (GOOD.replace('  output: {path: "${MOUNTS_PATH}/output"}\n', ""), "locations.output", "missing"),
        (GOOD + "timings: {size_stable_window_s: -3}\n", "timings.size_stable_window_s", "greater than 0"),
        (GOOD.replace('"${MOUNTS_PATH}/backup"', "relative/backup"), "locations.backup.path", "absolute"),
    ],
)
def test_bad_config_fails_naming_the_file_and_key(envs, monkeypatch, tmp_path, yaml_text, key, expectation):
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))
    (envs / "alphakraken.sandbox.yaml").write_text(yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config("sandbox")
    message = str(err.value)
    assert "alphakraken.sandbox.yaml" in message
    assert key in message
    assert expectation in message


def test_missing_config_file_and_unknown_env(envs, monkeypatch):
    with pytest.raises(ConfigError, match="alphakraken.sandbox.yaml: configuration file for ENV=sandbox not found"):
        load_config("sandbox")
    monkeypatch.setenv("ENV", "staging")
    with pytest.raises(ConfigError, match="ENV='staging': expected one of local, sandbox, production, test"):
        load_config()


def test_instrument_folder_may_not_overlap_backup(envs, monkeypatch, tmp_path):
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))
    overlapping = GOOD.replace("astral1: {type: thermo}", 'astral1: {type: thermo, path: "${MOUNTS_PATH}/backup/x"}')
    (envs / "alphakraken.sandbox.yaml").write_text(overlapping)
    with pytest.raises(ConfigError, match="overlaps the backup location"):
        load_config("sandbox")
