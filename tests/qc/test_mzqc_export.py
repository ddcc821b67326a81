"""The mzQC export from hand-made record data in the test MongoDB: a raw file's document and selections by
instrument, QC series and dates validate against the official schema, carry the right terms and files, and bad
requests are refused with what to change; the command line over the same record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kraken_core.config.qc import QcConfig
from kraken_core.qc.mzqc import to_json
from kraken_core.qc.mzqc_export import (
    ExportRefused, NothingToExport, Selection, raw_file_document, selection_document,
)
from kraken_core.qc.mzqc_terms import local_accession
from tests.support.mzqc import read_back, schema_errors

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ["thermo1", "bruker1", "sciex1"]
QC = QcConfig.model_validate({"series": [
    {"name": "hela", "raw_file_pattern": "(?i)_hela_", "settings_name": "hela_std", "metrics": ["precursors"],
     "rules": ["1-3s"]},
    {"name": "bruker_qc", "raw_file_pattern": "_qc_", "instruments": ["bruker1"], "metrics": ["proteins"],
     "rules": ["1-3s"]},
]})


def _raw_file(db, name: str, instrument: str, day: int, hour: int = 10, **fields) -> str:
    db.raw_file.insert_one({"_id": name, "original_name": name, "instrument_id": instrument, "project_id": "PRJ1",
                            "status": "done", "created_at": datetime(2026, 3, day, hour, tzinfo=UTC), **fields})
    return name


def _metrics(db, raw_file: str, settings: str = "hela_std", version: int = 1, type_: str = "alphadia",
             **values) -> None:
    db.metrics.insert_one({"raw_file": raw_file, "settings_name": settings, "settings_version": version,
                           "settings_id": f"{settings}-v{version}", "type": type_,
                           "created_at_": datetime(2026, 3, 20, tzinfo=UTC), **values})


@pytest.fixture
def record(mongo_db):
    db = mongo_db
    db.settings.insert_one({"_id": "hela_std-v1", "name": "hela_std", "version": 1, "software": "alphadia-2.3.0",
                            "software_type": "alphadia"})
    single = _raw_file(db, "20260302_thermo1_HeLa_01.raw", "thermo1", 2, backup_base_path="/backup/thermo1/2026_03",
                       backup_status="copying_done",
                       file_info={"20260302_thermo1_HeLa_01.raw": [2048, "9e107d9d372bb6826bd81d3542a419d6"]})
    _metrics(db, single, proteins=5012.0, precursors=41000.0, output_path="/output/PRJ1/out/HeLa_01/alphadia",
             **{"calibration:ms2_bias": -0.8, "fwhm_rt": 2.6, "optimization:ms1_error": 4.5})
    _metrics(db, single, "msqc_default", type_="msqc", ms1_scans=8000, ms2_scans=64000, ms1_median_tic=1.2e9)
    _raw_file(db, "20260303_thermo1_HeLa_02.raw", "thermo1", 3)
    _metrics(db, "20260303_thermo1_HeLa_02.raw", proteins=4990.0)
    _metrics(db, "20260303_thermo1_HeLa_02.raw", "other_settings", proteins=3000.0)
    _raw_file(db, "20260303_thermo1_sample_A.raw", "thermo1", 3, hour=23)
    _metrics(db, "20260303_thermo1_sample_A.raw", "project_settings", proteins=7000.0)
    _raw_file(db, "20260304_bruker1_HeLa_01.d", "bruker1", 4)
    _metrics(db, "20260304_bruker1_HeLa_01.d", proteins=6100.0, fwhm_mobility=0.01)
    _raw_file(db, "20260305_bruker1_qc_01.d", "bruker1", 5)
    _metrics(db, "20260305_bruker1_qc_01.d", "diann_qc", type_="diann", proteins=6000.0, fwhm_rt=0.1)
    _raw_file(db, "20260305_thermo1_HeLa_03.raw", "thermo1", 5, status="quanting")  # no metrics yet
    return db


def _runs(document: dict) -> list[tuple[str, str]]:
    return [(q["metadata"]["inputFiles"][0]["name"], q["metadata"]["label"]) for q in document["mzQC"]["runQualities"]]


def _valid(document: dict) -> dict:
    assert schema_errors(document) == []
    read_back(to_json(document))  # HUPO-PSI's own reader takes it
    return document


def test_a_raw_files_document_has_one_run_per_metrics_document_with_psi_ms_and_local_terms(record):
    document = _valid(raw_file_document(record, "20260302_thermo1_HeLa_01.raw",
                                        now=datetime(2026, 3, 21, 8, 0, 0, 123, tzinfo=UTC)))
    mzqc = document["mzQC"]
    assert mzqc["creationDate"] == "2026-03-21T08:00:00Z" and mzqc["version"] == "1.0.0"
    assert [cv["name"].split(" ")[0] for cv in mzqc["controlledVocabularies"]] == ["Proteomics", "Unit", "AlphaKraken"]
    alphadia, msqc = mzqc["runQualities"]
    assert alphadia["metadata"]["label"] == "20260302_thermo1_HeLa_01.raw (hela_std v1)"
    input_file, results = alphadia["metadata"]["inputFiles"]
    # ID-based metrics (protein groups, precursors, fragment bias) need the identification results among the inputs
    assert results == {"name": "20260302_thermo1_HeLa_01.raw (hela_std v1): stat.tsv",
                       "location": "file:///output/PRJ1/out/HeLa_01/alphadia/stat.tsv",
                       "fileFormat": {"name": "tab delimited text format", "accession": "MS:1000914"}}
    assert len(msqc["metadata"]["inputFiles"]) == 1  # scan counts need no identification
    assert input_file == {
        "name": "20260302_thermo1_HeLa_01.raw",
        "location": "file:///backup/thermo1/2026_03/20260302_thermo1_HeLa_01.raw",
        "fileFormat": {"name": "Thermo RAW format", "accession": "MS:1000563"},
        "fileProperties": [{"name": "MD5", "accession": "MS:1000568", "value": "9e107d9d372bb6826bd81d3542a419d6"}]}
    assert alphadia["metadata"]["analysisSoftware"] == [{
        "name": "analysis software", "accession": "MS:1001456", "value": "AlphaDIA", "version": "alphadia-2.3.0",
        "uri": "https://github.com/MannLabs/alphadia"}]
    facts = {p["name"]: (p["accession"], p["value"]) for p in alphadia["metadata"]["cvParameters"]}
    assert facts["instrument_id"] == (local_accession("instrument_id"), "thermo1")
    assert facts["created_at"][1] == "2026-03-02T10:00:00Z" and facts["settings_version"][1] == 1

    values = {m["accession"]: m["value"] for m in alphadia["qualityMetrics"]}
    assert values["MS:1003327"] == 5012 and values["MS:4000103"] == 41000 and values["MS:4000026"] == -0.8
    assert values[local_accession("fwhm_rt")] == 2.6 and values[local_accession("optimization:ms1_error")] == 4.5
    assert len(values) == 5  # bookkeeping fields (settings, type, dates) are not metrics
    msqc_values = {m["name"]: m.get("unit", {}).get("name") for m in msqc["qualityMetrics"]}
    assert msqc_values == {"number of MS1 spectra": "count unit", "number of MS2 spectra": "count unit",
                           "ms1_median_tic": None}
    assert msqc["metadata"]["analysisSoftware"][0]["version"] == "unknown"  # no settings document


def test_a_raw_file_not_in_the_record_or_without_metrics_is_refused(record):
    with pytest.raises(NothingToExport, match="'nope.raw' is not in the record"):
        raw_file_document(record, "nope.raw")
    with pytest.raises(NothingToExport, match="has no metrics yet \\(status quanting\\)"):
        raw_file_document(record, "20260305_thermo1_HeLa_03.raw")


def test_selections_by_instrument_series_and_dates(record):
    def files(**selection) -> list[str]:
        document = _valid(selection_document(record, Selection.from_text(**selection), QC, INSTRUMENTS))
        return sorted({name for name, _ in _runs(document)})

    assert files(instrument="bruker1") == ["20260304_bruker1_HeLa_01.d", "20260305_bruker1_qc_01.d"]
    # the series' pattern on every instrument, and only its settings' documents
    hela = selection_document(record, Selection(series="hela"), QC, INSTRUMENTS)
    assert [label for _, label in _runs(hela)] == [
        "20260302_thermo1_HeLa_01.raw (hela_std v1)", "20260303_thermo1_HeLa_02.raw (hela_std v1)",
        "20260304_bruker1_HeLa_01.d (hela_std v1)"]
    assert hela["mzQC"]["description"].startswith("QC metrics of 3 raw files (all instruments, QC series hela)")
    assert files(series="hela", instrument="thermo1") == ["20260302_thermo1_HeLa_01.raw",
                                                          "20260303_thermo1_HeLa_02.raw"]
    assert files(series="bruker_qc") == ["20260305_bruker1_qc_01.d"]  # its instruments only
    # a date is its whole day in UTC; times are exact
    assert files(since="2026-03-03", until="2026-03-03") == ["20260303_thermo1_HeLa_02.raw",
                                                             "20260303_thermo1_sample_A.raw"]
    assert files(since="2026-03-03T12:00", until="2026-03-04") == ["20260303_thermo1_sample_A.raw",
                                                                   "20260304_bruker1_HeLa_01.d"]


def test_bad_selections_are_refused_with_what_to_change(record):
    def refused(selection: Selection, max_files: int = 5000) -> str:
        with pytest.raises(ExportRefused) as err:
            selection_document(record, selection, QC, INSTRUMENTS, max_files)
        return str(err.value)

    assert "instrument 'orbi9' is not configured (bruker1, sciex1, thermo1)" in refused(Selection(instrument="orbi9"))
    assert "no QC series 'helaa' under qc.series (hela, bruker_qc)" in refused(Selection(series="helaa"))
    assert "QC series bruker_qc does not cover instrument thermo1" in refused(
        Selection(instrument="thermo1", series="bruker_qc"))
    assert "since 2026-03-05 00:00 is after until 2026-03-01 23:59" in refused(Selection.from_text(
        since="2026-03-05", until="2026-03-01"))
    assert "6 raw files match (all instruments), more than 5 in one document" in refused(Selection(), max_files=5)
    nothing = refused(Selection.from_text(instrument="sciex1"))
    assert "none of the 0 raw files selected (instrument sciex1) has metrics" in nothing
    with pytest.raises(ExportRefused, match="since 'last week' is not a date or time"):
        Selection.from_text(since="last week")


def test_the_command_line_writes_a_file_or_standard_output_and_explains_refusals(record, services, tmp_path):
    env = {**os.environ, "ENV": "test", "MOUNTS_PATH": str(tmp_path), "MONGO_HOST": services["MONGO_HOST"],
           "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": record.name}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "kraken_core.qc.mzqc_cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    printed = cli("20260302_thermo1_HeLa_01.raw")
    assert printed.returncode == 0, printed.stderr
    assert schema_errors(json.loads(printed.stdout)) == []
    out = tmp_path / "thermo1.mzqc"
    written = cli("--instrument", "thermo1", "--since", "2026-03-01", "--until", "2026-03-03", "-o", str(out))
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == f"wrote {out}: 5 runs (mzQC 1.0.0)"
    assert schema_errors(json.loads(out.read_text())) == []

    unknown = cli("nope.raw")
    assert unknown.returncode == 1 and unknown.stderr.startswith("mzqc: raw file 'nope.raw' is not in the record")
    bad_date = cli("--since", "yesterday")
    assert bad_date.returncode == 1 and "since 'yesterday' is not a date or time: use 2026-03-01" in bad_date.stderr
    no_series = cli("--series", "hela")
    assert no_series.returncode == 1 and "no QC series 'hela' under qc.series (none is configured)" in no_series.stderr
    both = cli("20260302_thermo1_HeLa_01.raw", "--instrument", "thermo1")
    assert both.returncode == 2 and "not both" in both.stderr
    assert printed.stdout.count("\n") > 20 and unknown.stdout == ""
