"""AlphaDIA output parsing (2.x and 1.x layouts) and outcome classification, on folders written by the fake
AlphaDIA (the same program the test cluster runs) and on hand-written edge cases."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from kraken_core.quanting.metrics import alphadia as out
from kraken_core.quanting.metrics.output_files import OutputReadError
from kraken_core.quanting.outcome import Outcome, classify, raw_file_status
from kraken_core.statuses import RawFileStatus
from tests.support.quanting import install_fake_alphadia


@pytest.fixture(scope="module")
def alphadia(tmp_path_factory):
    return install_fake_alphadia(tmp_path_factory.mktemp("envs") / "alphadia-2.3.0")


def run_fake(alphadia, tmp_path, name: str) -> tuple[int, object]:
    raw = tmp_path / name
    raw.write_bytes(b"raw")
    output = tmp_path / "out"
    code = subprocess.run([str(alphadia), "--file", str(raw), "--output", str(output)], check=False).returncode
    return code, output


def test_2x_layout_gives_the_metric_names(alphadia, tmp_path):
    code, output = run_fake(alphadia, tmp_path, "20261102_PRJ1_a.raw")
    assert code == 0 and out.layout(output) == "2.x"
    metrics = out.read_metrics(output)
    assert metrics["precursors"] == 4 and metrics["proteins"] == 2
    assert metrics["gradient_length"] == pytest.approx(21.0)  # 1260 s
    assert metrics["calibration:ms2_bias"] == 1.5 and metrics["calibration:ms1_variance"] == 2.0
    assert metrics["optimization:ms2_error"] == 7.0
    assert metrics["fwhm_mobility"] is None  # NaN is stored as null
    assert metrics["precursor:charge_mean"] == pytest.approx(2.25)
    assert metrics["precursor:charge_median"] == 2.0
    assert metrics["precursor:sequence_len_mean"] == pytest.approx((4 + 6 + 4 + 8) / 4)
    assert metrics["precursor:intensity_sum"] == 10000.0 and metrics["pg:intensity_sum"] == 22000.0
    assert metrics["duration_total"] == 0.5 and metrics["duration_extraction"] == 0.15


def test_1x_layout_gives_the_same_names(alphadia, tmp_path):
    code, output = run_fake(alphadia, tmp_path, "20261102_PRJ1_V1X_a.raw")
    assert code == 0 and out.layout(output) == "1.x"
    metrics = out.read_metrics(output)
    assert metrics["precursors"] == 4 and metrics["gradient_length"] == 21.0
    assert metrics["calibration:ms2_bias"] == 1.5 and metrics["calibration:ms2_variance"] == 3.0
    assert metrics["precursor:proba_median"] == pytest.approx(0.0025)
    assert metrics["pg:intensity_sum"] == 22000.0
    assert (output / ".progress" / "20261102_PRJ1_V1X_a" / "events.jsonl").exists()


def test_nan_and_missing_columns_are_null_not_errors(tmp_path):
    pd.DataFrame({"search.precursors": [float("nan")], "search.proteins": [3]}).to_csv(
        tmp_path / "stat.tsv", sep="\t", index=False)
    pd.DataFrame({"precursor.charge": [2.0, float("nan")]}).to_parquet(tmp_path / "precursors.parquet")
    metrics = out.read_metrics(tmp_path)
    assert metrics["precursors"] is None and metrics["proteins"] == 3
    assert metrics["precursor:charge_mean"] == 2.0 and metrics["precursor:charge_std"] is None  # one value
    assert "duration_total" not in metrics and "fwhm_rt" not in metrics


def test_metric_names_are_alphakrakens_and_the_fragment_intensity_median_is_computed(tmp_path):
    pd.DataFrame({"search.precursors": [4], "optimization.ms1_error": [2.5], "calibration.ms2_bias": [-0.5]}).to_csv(
        tmp_path / "stat.tsv", sep="\t", index=False)
    pd.DataFrame({"precursor.charge": [2, 3, 2], "pg.intensity": [1.0, 2.0, 3.0],
                  "sum_b_ion_intensity": [10.0, 20.0, 30.0], "sum_y_ion_intensity": [1.0, 2.0, 100.0]},
                 ).to_parquet(tmp_path / "precursors.parquet")
    metrics = out.read_metrics(tmp_path)
    assert metrics["optimization:ms1_error"] == 2.5 and metrics["calibration:ms2_bias"] == -0.5
    assert metrics["pg:intensity_sum"] == 6.0 and metrics["precursor:charge_mean"] == pytest.approx(7 / 3)
    assert metrics["precursor_intensity_median"] == 22.0  # median of b + y per precursor: 11, 22, 130
    assert not any("." in name for name in metrics)  # MongoDB field names cannot hold dots


def test_unreadable_result_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "stat.tsv").write_text("search.precursors\n1\n")
    (tmp_path / "precursors.parquet").write_bytes(b"not parquet")
    with pytest.raises(OutputReadError, match="precursors.parquet"):
        out.read_metrics(tmp_path)


def classify_run(alphadia, tmp_path, name, state="COMPLETED", log=""):
    code, output = run_fake(alphadia, tmp_path, name)
    return classify(state=state if code == 0 else state, exit_code=code, output=output, job_log=log, job_id="7")


def test_completed_with_results_is_done(alphadia, tmp_path):
    outcome = classify_run(alphadia, tmp_path, "x.raw")
    assert outcome.status == RawFileStatus.DONE and "4 precursors" in outcome.reason


def test_error_code_event_is_quanting_failed_with_the_code(alphadia, tmp_path):
    outcome = classify_run(alphadia, tmp_path, "x_PSMFAIL_.raw", state="FAILED")
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, "TOO_FEW_PSM")


def test_known_error_in_log_txt_without_events(tmp_path):
    (tmp_path / "log.txt").write_text("0:00:01 INFO start\n0:01:00 ERROR: No psm files accumulated, can't continue\n")
    outcome = classify(state="FAILED", exit_code=1, output=tmp_path, job_log="")
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, "_NO_PSM_FILES")


def test_events_in_pre_1_9_progress_folder(tmp_path):
    events = tmp_path / ".progress" / "x" / "events.jsonl"
    events.parent.mkdir(parents=True)
    events.write_text(json.dumps({"name": "exception", "error_code": "NOT_VALID_DIA_DATA"}) + "\n")
    assert classify(state="FAILED", exit_code=1, output=tmp_path, job_log="").code == "NOT_VALID_DIA_DATA"


def test_exit_0_with_zero_identifications(alphadia, tmp_path):
    outcome = classify_run(alphadia, tmp_path, "x_NOIDS_.raw")
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, "NO_IDENTIFICATIONS")


def test_exit_0_with_missing_result_files(tmp_path):
    (tmp_path / "log.txt").write_text("finished\n")
    outcome = classify(state="COMPLETED", exit_code=0, output=tmp_path, job_log="")
    assert outcome.code == "MISSING_RESULTS" and "stat.tsv" in outcome.reason


@pytest.mark.parametrize(("state", "log", "code"), [
    ("OUT_OF_MEMORY", "", "OUT_OF_MEMORY"),
    ("FAILED", "slurmstepd: error: Exceeded job memory limit\n", "OUT_OF_MEMORY"),
    ("TIMEOUT", "", "TIMEOUT"),
])
def test_slurm_limits_are_quanting_failed(tmp_path, state, log, code):
    outcome = classify(state=state, exit_code=0, output=tmp_path / "none", job_log=log)
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, code)


@pytest.mark.parametrize("state", ["FAILED", "NODE_FAIL", "CANCELLED", "UNKNOWN"])
def test_unexplained_endings_are_errors(tmp_path, state):
    assert classify(state=state, exit_code=2, output=tmp_path, job_log="").status == RawFileStatus.ERROR


def test_failed_custom_tool_is_quanting_failed(tmp_path):
    outcome = classify(state="FAILED", exit_code=3, output=tmp_path, job_log="", software_type="custom")
    assert (outcome.status, outcome.code) == (RawFileStatus.QUANTING_FAILED, "FAILED")


def test_raw_file_status_over_several_jobs():
    done = Outcome(RawFileStatus.DONE, "ok")
    failed = Outcome(RawFileStatus.QUANTING_FAILED, "job 7 hit its time limit (--time); raise slurm_time", "TIMEOUT")
    error = Outcome(RawFileStatus.ERROR, "job 8 was cancelled on the cluster; resubmit if that was a mistake")
    assert raw_file_status([done, done], ["a", "b"])[0] == RawFileStatus.DONE
    assert raw_file_status([done, failed], ["a", "b"]) == (RawFileStatus.QUANTING_FAILED,
                                                           "error while processing: [b] TIMEOUT")
    assert raw_file_status([failed, error], ["a", "b"]) == (RawFileStatus.ERROR, error.reason)


def test_known_failures_are_written_in_alphakrakens_form(tmp_path):
    (tmp_path / "log.txt").write_text("0:01:00 ERROR: No psm files accumulated, can't continue\n")
    events = Outcome(RawFileStatus.QUANTING_FAILED, "job 9: AlphaDIA reported A;B", "TOO_FEW_PSM;NO_PSM")
    logged = classify(state="FAILED", exit_code=1, output=tmp_path, job_log="", job_id="10")
    status, details = raw_file_status([events, logged, Outcome(RawFileStatus.DONE, "ok")],
                                      ["hela_std", "hela_astral", "msqc_qc"])
    assert status == RawFileStatus.QUANTING_FAILED
    assert details == "error while processing: [hela_std] TOO_FEW_PSM;NO_PSM; [hela_astral] _NO_PSM_FILES"
    assert raw_file_status([events])[1] == "error while processing: [n/a] TOO_FEW_PSM;NO_PSM"
    many = raw_file_status([events] * 100, [f"settings_{i}" for i in range(100)])[1]
    assert len(many) == 1024 and many.endswith("...")


def test_unexplained_failure_names_the_last_error_of_the_job_log(tmp_path):
    log = "raw file: /c/x.raw\nERROR: raw file /c/x.raw is not visible on this node\n"
    outcome = classify(state="FAILED", exit_code=66, output=tmp_path / "none", job_log=log)
    assert outcome.status == RawFileStatus.ERROR and "is not visible on this node" in outcome.reason
    assert outcome.code == "__NO_LOG_FILE"
