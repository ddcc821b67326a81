"""The `qc` section: off by default, series validated at load with the file and the key named."""

from datetime import UTC, datetime

import pytest

from kraken_core.config import ConfigError, load_config

BASE = """
locations:
  instruments: {path: "${MOUNTS_PATH}/instruments"}
  backup: {path: "${MOUNTS_PATH}/backup"}
  output: {path: "${MOUNTS_PATH}/output"}
instruments:
  astral1: {type: thermo}
  tims1: {type: bruker}
"""
SERIES = """
qc:
  series:
    - name: hela
      raw_file_pattern: '(?i)hela'
      instruments: [astral1]
      settings_name: hela_std
      metrics: [precursors, ms1_error]
      rules: [1-3s, 2-2s, cusum]
      baseline: {start: 2026-01-05, end: 2026-01-20}
"""


@pytest.fixture
def write_config(tmp_path, monkeypatch):
    envs = tmp_path / "envs"
    envs.mkdir()
    monkeypatch.setenv("KRAKEN_ENVS_DIR", str(envs))
    monkeypatch.setenv("MOUNTS_PATH", str(tmp_path))

    def write(text: str):
        (envs / "alphakraken.sandbox.yaml").write_text(text)
        return lambda: load_config("sandbox")

    return write


def test_qc_is_off_without_series(write_config):
    qc = write_config(BASE)().qc
    assert not qc.enabled and qc.series == [] and qc.baseline_reset_kinds == ["column_change"]


def test_a_series_reads_dates_as_whole_utc_days_and_metrics_under_alphakraken_names(write_config):
    [series] = write_config(BASE + SERIES)().qc.series
    assert series.metrics == ["precursors", "optimization:ms1_error"]
    assert series.baseline.start == datetime(2026, 1, 5, tzinfo=UTC)
    assert series.baseline.end == datetime(2026, 1, 20, 23, 59, 59, 999999, tzinfo=UTC)
    assert series.covers("astral1") and not series.covers("tims1")
    assert series.pattern.search("20260301_HeLa_01.raw")


@pytest.mark.parametrize(("change", "key", "expectation"), [
    (("'(?i)hela'", "'hela('"), "qc.series.0.raw_file_pattern", "not a regular expression"),
    (("[1-3s, 2-2s, cusum]", "[1-3s, 3-1s]"), "qc.series.0.rules", "1-3s"),
    (("      rules: [1-3s, 2-2s, cusum]\n", ""), "qc.series.0.rules", "missing"),
    (("[astral1]", "[astral9]"), "qc.series[0] (hela): astral9", "not configured"),
    (("end: 2026-01-20", "end: 2026-01-01"), "qc.series.0.baseline", "after its end"),
    (("- name: hela", "- name: 'he la'"), "qc.series.0.name", "letters, digits"),
])
def test_a_bad_series_fails_naming_the_key(write_config, change, key, expectation):
    with pytest.raises(ConfigError) as err:
        write_config(BASE + SERIES.replace(*change))()
    assert "alphakraken.sandbox.yaml" in str(err.value)
    assert key in str(err.value) and expectation in str(err.value)


def test_unknown_reset_kind_is_refused(write_config):
    with pytest.raises(ConfigError, match="qc.baseline_reset_kinds.0"):
        write_config(BASE + "qc: {baseline_reset_kinds: [column_swap]}\n")()
