"""The metrics plugins of MSQC, DIA-NN, Skyline and custom tools on outputs written in each tool's format
(fixtures under tests/quanting/fixtures/<tool>/), and what the outcome classification makes of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kraken_core.quanting.metrics import diann, msqc, skyline
from kraken_core.quanting.metrics.output_files import MissingOutputError, OutputReadError
from kraken_core.quanting.metrics.registry import PLUGINS, UnknownMetricsType, plugin_for
from kraken_core.quanting.outcome import classify
from kraken_core.quanting.software import METRICS_TYPES
from kraken_core.statuses import RawFileStatus

FIXTURES = Path(__file__).parent / "fixtures"


def output(tool: str, case: str, tmp_path: Path) -> Path:
    """A job's output folder holding the fixture files of one case (a copy: tests may add files)."""
    folder = tmp_path / f"{tool}_{case}"
    shutil.copytree(FIXTURES / tool / case, folder)
    return folder


def read(metrics_type: str, folder: Path) -> dict:
    return plugin_for(metrics_type).read(folder)


def test_every_metrics_type_a_tool_may_name_has_a_plugin():
    assert set(PLUGINS) == set(METRICS_TYPES) == {"alphadia", "msqc", "diann", "skyline", "custom"}
    with pytest.raises(UnknownMetricsType, match="'maxquant'.*known: alphadia, msqc"):
        plugin_for("maxquant")


# --- MSQC ---------------------------------------------------------------------------------------------------------

def test_msqc_thermo_gives_every_metric_under_alphakrakens_names(tmp_path):
    metrics = read("msqc", output("msqc", "thermo", tmp_path))
    assert metrics == {
        "ms1_median_injection_time": 0.91, "ms1_scans": 1, "ms1_median_tic": 2688350700.0,
        "ms2_median_injection_time": 6.014, "ms2_scans": 200, "ms2_median_tic": 1029877.25,
        "evosep_pump_hp_pressure_max": 417.0, "gradient_length": pytest.approx(21.4983),
    }


@pytest.mark.parametrize("case, present", [
    ("bruker", {"ms2_scans", "ms1_median_tic", "ms2_median_tic", "gradient_length"}),
    ("sciex", {"ms1_scans", "ms1_median_tic", "ms2_scans", "ms2_median_tic", "gradient_length"}),
    ("older", set(msqc.COLUMNS) - {"gradient_length"}),
])
def test_msqc_columns_a_vendor_or_an_older_msqc_does_not_write_are_left_out(tmp_path, case, present):
    metrics = read("msqc", output("msqc", case, tmp_path))
    assert set(metrics) == present and all(value is not None for value in metrics.values())


def test_msqc_nan_and_infinity_become_none(tmp_path):
    metrics = read("msqc", output("msqc", "nan_inf", tmp_path))
    assert metrics["ms1_median_injection_time"] is None  # nan
    assert metrics["ms1_median_tic"] is None  # inf
    assert metrics["ms2_median_tic"] is None  # -inf
    assert metrics["evosep_pump_hp_pressure_max"] is None  # empty cell
    assert metrics["ms2_scans"] == 200 and metrics["gradient_length"] == pytest.approx(21.4983)


def test_msqc_table_without_rows_is_an_error_naming_the_file(tmp_path):
    folder = output("msqc", "empty", tmp_path)
    with pytest.raises(OutputReadError, match=f"MSQC: {folder / 'msqc_results.tsv'} has no rows"):
        read("msqc", folder)


def test_msqc_table_whose_columns_were_all_renamed_is_an_error_listing_what_it_has(tmp_path):
    with pytest.raises(OutputReadError, match=r"none of the known columns .* it has: MS1 median injection time \[ms\]"):
        read("msqc", output("msqc", "renamed", tmp_path))


def test_msqc_missing_or_unreadable_file_is_an_error_naming_file_and_tool(tmp_path):
    with pytest.raises(MissingOutputError, match=f"MSQC: msqc_results.tsv not found in {tmp_path}"):
        read("msqc", tmp_path)
    (tmp_path / "msqc_results.tsv").write_bytes(b"")  # the extractor died before writing a line
    with pytest.raises(OutputReadError, match="MSQC: cannot read .*msqc_results.tsv"):
        read("msqc", tmp_path)


# --- DIA-NN -------------------------------------------------------------------------------------------------------

def with_parquet_main_report(folder: Path) -> Path:
    """DIA-NN 1.9+ writes the main report as parquet; the fixture holds its rows as text."""
    pd.read_csv(folder / "report_main.tsv", sep="\t").to_parquet(folder / "report.parquet")
    (folder / "report_main.tsv").unlink()
    return folder


def test_diann_stats_and_median_precursor_rt_from_the_parquet_report(tmp_path):
    metrics = read("diann", with_parquet_main_report(output("diann", "v1_9", tmp_path)))
    assert metrics["precursors"] == 48213 and metrics["proteins"] == 6521
    assert metrics["total_quantity"] == pytest.approx(2.11842e10)
    assert metrics["fwhm_scans"] == pytest.approx(4.81325) and metrics["fwhm_rt"] == pytest.approx(0.0812634)
    assert metrics["median_mass_acc_ms1_corrected"] == pytest.approx(0.418264)
    assert metrics["normalisation_instability"] == pytest.approx(0.0153)
    assert metrics["average_missed_tryptic_cleavages"] == pytest.approx(0.0971)
    assert metrics["median_precursor_rt"] == pytest.approx((7.12 + 12.41) / 2)
    assert set(metrics) == {*diann.STATS_COLUMNS.values(), "median_precursor_rt"}


def test_diann_1_8_main_report_as_tsv_gives_the_same_metric(tmp_path):
    metrics = read("diann", output("diann", "v1_8", tmp_path))
    assert metrics["median_precursor_rt"] == pytest.approx(7.2) and metrics["precursors"] == 41877


def test_diann_without_main_report_leaves_only_the_median_rt_out(tmp_path):
    metrics = read("diann", output("diann", "stats_only", tmp_path))
    assert "median_precursor_rt" not in metrics and metrics["proteins"] == 6521


def test_diann_nan_and_infinity_become_none(tmp_path):
    metrics = read("diann", output("diann", "nan_inf", tmp_path))
    assert metrics["precursors"] == 0 and metrics["ms1_signal"] == pytest.approx(1.52231e11)
    assert metrics["fwhm_scans"] is None and metrics["fwhm_rt"] is None and metrics["median_rt_prediction_acc"] is None


def test_diann_renamed_column_is_an_error_naming_column_and_file(tmp_path):
    folder = output("diann", "renamed", tmp_path)
    with pytest.raises(OutputReadError, match=r"DIA-NN: .*report.stats.tsv lacks the column\(s\) Proteins.Identified;"
                                              r" it has: .*Protein.Groups.Identified"):
        read("diann", folder)


def test_diann_empty_stats_and_missing_files_are_errors(tmp_path):
    with pytest.raises(OutputReadError, match="DIA-NN: .*report.stats.tsv has no rows"):
        read("diann", output("diann", "empty", tmp_path))
    with pytest.raises(MissingOutputError, match="DIA-NN: report.stats.tsv not found"):
        read("diann", tmp_path)
    folder = output("diann", "v1_8", tmp_path)
    (folder / "report.tsv").write_text("File.Name\tPrecursor.Id\nx\ty\n")  # no RT column
    with pytest.raises(OutputReadError, match="DIA-NN: cannot read .*report.tsv"):
        read("diann", folder)


# --- Skyline ------------------------------------------------------------------------------------------------------

def test_skyline_aggregates_and_per_peptide_metrics_of_heavy_irt_peptides(tmp_path):
    metrics = read("skyline", output("skyline", "invariant", tmp_path))
    assert metrics["irt_n_heavy_peptides"] == 9 and metrics["irt_n_light_peptides"] == 2
    deltas = [0.19, 0.04, 0.11, 0.11, 0.03, 0.29, 0.18, 0.20]  # DGLDAAYR was not measured (#N/A)
    assert metrics["irt_delta_rt_mean"] == pytest.approx(sum(deltas) / len(deltas))
    assert metrics["irt_delta_rt_max"] == pytest.approx(0.29)
    assert metrics["irt_mean_total_area_median"] == pytest.approx((12877400 + 14322871) / 2)
    assert metrics["irt_cv_total_area_max"] == pytest.approx(0.08)
    assert metrics["irt_LGGNEQVTR_delta_rt"] == pytest.approx(0.19)
    assert metrics["irt_LGGNEQVTR_mean_total_area"] == 18233411
    assert metrics["irt_LGGNEQVTR_cv_total_area"] == pytest.approx(0.041)
    assert "irt_TPVITGAPYEYR_cv_total_area" not in metrics  # no CV: left out, as in AlphaKraken
    assert metrics["irt_DGLDAAYR_delta_rt"] is None and metrics["irt_DGLDAAYR_mean_total_area"] is None
    # brackets and dots of modifications cannot be in a MongoDB field name
    assert metrics["irt_C_+57:021464QLGM_+15:994915K_delta_rt"] == pytest.approx(0.2)
    assert not any("." in name or "[" in name for name in metrics)


def test_skyline_report_with_caption_headers_reads_the_same(tmp_path):
    invariant = read("skyline", output("skyline", "invariant", tmp_path))
    assert read("skyline", output("skyline", "captions", tmp_path)) == invariant


def test_skyline_report_without_rows_means_no_irt_peptide_found(tmp_path):
    metrics = read("skyline", output("skyline", "empty", tmp_path))
    assert metrics == {"irt_delta_rt_mean": None, "irt_delta_rt_max": None, "irt_mean_total_area_median": None,
                       "irt_cv_total_area_mean": None, "irt_cv_total_area_max": None, "irt_n_heavy_peptides": 0,
                       "irt_n_light_peptides": 0}


def test_skyline_missing_column_or_report_is_an_error(tmp_path):
    with pytest.raises(OutputReadError, match=r"Skyline: .*custom_iRT_report.csv lacks the column\(s\) MeanTotalArea, CvTotalArea"):
        read("skyline", output("skyline", "missing_column", tmp_path))
    with pytest.raises(MissingOutputError, match="Skyline: custom_iRT_report.csv not found"):
        read("skyline", tmp_path)


def test_skyline_infinite_retention_time_becomes_none(tmp_path):
    folder = output("skyline", "empty", tmp_path)
    with (folder / skyline.REPORT).open("a") as report:
        report.write("iRT,LGGNEQVTR,heavy,inf,3.31,18233411,0.041\n")
    metrics = read("skyline", folder)
    assert metrics["irt_LGGNEQVTR_delta_rt"] is None and metrics["irt_delta_rt_max"] is None


# --- custom tools -------------------------------------------------------------------------------------------------

EXPECTED_CUSTOM = {"peaks_detected": 5120, "tic_median": 2.1e9, "noise": None, "saturation": None}


def test_custom_tool_metrics_json(tmp_path):
    metrics = read("custom", output("custom", "json", tmp_path))
    assert metrics == {**EXPECTED_CUSTOM, "lock_mass:drift_ppm": 0.8, "operator": None}


def test_custom_tool_metrics_tsv_with_a_header_line(tmp_path):
    metrics = read("custom", output("custom", "tsv", tmp_path))
    assert metrics == {**EXPECTED_CUSTOM, "lock_mass:drift_ppm": -0.8}


def test_custom_tool_without_metrics_file_has_no_metrics_and_counts_as_done(tmp_path):
    assert read("custom", tmp_path) == {}
    assert classify(state="COMPLETED", exit_code=0, output=tmp_path, job_log="", software_type="custom").succeeded


@pytest.mark.parametrize("content, message", [
    ('{"peaks_detected": 5120, "raw_file": 3}', "'raw_file', a field the record sets itself"),
    ('{"$where": 1}', "MongoDB cannot store: '\\$where'"),
    ("[1, 2]", "one JSON object of metric name -> number, not list"),
    ('{"a": 1,', "not valid JSON"),
])
def test_custom_tool_metrics_that_cannot_be_stored_are_refused(tmp_path, content, message):
    (tmp_path / "metrics.json").write_text(content)
    with pytest.raises(OutputReadError, match=message):
        read("custom", tmp_path)


def test_custom_tool_tsv_needs_two_columns_and_unique_names(tmp_path):
    (tmp_path / "metrics.tsv").write_text("a\t1\t2\n")
    with pytest.raises(OutputReadError, match="two tab-separated columns"):
        read("custom", tmp_path)
    (tmp_path / "metrics.tsv").write_text("a.b\t1\na:b\t2\n")
    with pytest.raises(OutputReadError, match="names the metric 'a:b' twice"):
        read("custom", tmp_path)


# --- outcome: a completed job succeeded when its plugin finds its output -------------------------------------------

def completed(folder: Path, software_type: str, metrics_type: str):
    return classify(state="COMPLETED", exit_code=0, output=folder, job_log="", software_type=software_type,
                    metrics_type=metrics_type, job_id="41")


@pytest.mark.parametrize("metrics_type, case", [("msqc", "thermo"), ("diann", "v1_8"), ("skyline", "invariant")])
def test_a_completed_tool_job_is_done_when_its_output_is_there(tmp_path, metrics_type, case):
    outcome = completed(output(metrics_type, case, tmp_path), "custom", metrics_type)
    assert outcome.status == RawFileStatus.DONE and plugin_for(metrics_type).tool in outcome.reason


@pytest.mark.parametrize("metrics_type, file", [("msqc", "msqc_results.tsv"), ("diann", "report.stats.tsv"),
                                                ("skyline", "custom_iRT_report.csv")])
def test_a_completed_tool_job_without_its_output_is_quanting_failed(tmp_path, metrics_type, file):
    (tmp_path / "log.txt").write_text("finished\n")
    outcome = completed(tmp_path, "custom", metrics_type)
    assert outcome.status == RawFileStatus.QUANTING_FAILED and outcome.code == "MISSING_RESULTS"
    assert f"{plugin_for(metrics_type).tool}'s {file} missing in {tmp_path}" in outcome.reason


def test_a_completed_job_with_an_unknown_metrics_type_is_an_error_someone_fixes(tmp_path):
    outcome = completed(tmp_path, "custom", "maxquant")
    assert outcome.status == RawFileStatus.ERROR and outcome.code == "UNKNOWN_METRICS_TYPE"
    assert "Fix the settings' metrics_type" in outcome.reason
