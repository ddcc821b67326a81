"""The mzQC export's vocabulary against PSI-MS itself (stanzas of psi-ms.obo 4.1.257 in tests/qc/fixtures): every
mapped metric is the term it claims, with the CV's unit and value type; local terms are stable, distinct and
well formed; a document of hand-made metrics validates against the official schema (no services needed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from kraken_core.qc.mzqc import INDENTED_RUNS, Run, input_location, mzqc_document, quality_metrics, to_json
from kraken_core.qc.mzqc_terms import (
    ANALYSIS_SOFTWARE, ANY_FILE_FORMAT, FILE_FORMAT, FILE_FORMATS, LOCAL_DESCRIPTIONS, MD5, PSI_MS, PSI_MS_METRICS,
    IDENTIFICATION_RESULTS, PSI_MS_VERSION, SOFTWARE, TAB_SEPARATED, local_accession, local_term,
)
from kraken_core.quanting.metric_names import LEGACY_NAMES
from kraken_core.quanting.metrics import alphadia, diann, msqc
from tests.support.mzqc import read_back, schema_errors

OBO = Path(__file__).parent / "fixtures" / "psi-ms-4.1.257-terms.obo"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "qc.md"
ACCESSION = re.compile(r"^[A-Z]+:[A-Z0-9]+$")  # the schema's pattern


def _stanzas() -> dict[str, str]:
    text = OBO.read_text()
    assert f"data-version: {PSI_MS_VERSION}" in text
    return {re.search(r"^id: (\S+)", s, re.M).group(1): s for s in text.split("[Term]")[1:]}


def _field(stanza: str, pattern: str) -> str | None:
    found = re.search(pattern, stanza, re.M)
    return found.group(1) if found else None


def test_every_mapped_metric_is_the_psi_ms_term_with_its_unit_and_value_type():
    stanzas = _stanzas()
    for metric, mapped in PSI_MS_METRICS.items():
        stanza = stanzas[mapped.term.accession]
        assert _field(stanza, r"^name: (.+)$") == mapped.term.name, metric
        assert "is_obsolete: true" not in stanza
        assert "is_a: MS:4000003 ! single value" in stanza, f"{metric}: the export writes one number"
        unit = re.search(r"^relationship: has_units (\S+) ! (.+)$", stanza, re.M)
        assert (unit.groups() if unit else None) == (
            (mapped.unit.accession, mapped.unit.name) if mapped.unit else None), metric
        assert (_field(stanza, r"^relationship: has_value_type (\S+)") == "xsd:int") == mapped.integer, metric
        assert ("has_metric_category MS:4000008 ! ID based metric" in stanza) == mapped.id_based, metric


def test_file_formats_checksum_and_software_are_psi_ms_terms():
    stanzas = _stanzas()
    terms = [*FILE_FORMATS.values(), ANY_FILE_FORMAT, MD5, ANALYSIS_SOFTWARE, TAB_SEPARATED, FILE_FORMAT,
             *(s.term for s in SOFTWARE.values())]
    for term in terms:
        assert _field(stanzas[term.accession], r"^name: (.+)$") == term.name
    assert PSI_MS["version"] == PSI_MS_VERSION


def test_the_identification_results_are_the_files_the_plugins_read():
    assert IDENTIFICATION_RESULTS == {"alphadia": alphadia.STAT, "diann": diann.STATS}


def _known_metric_names() -> set[str]:
    return (set(alphadia.STAT_COLUMNS.values()) | set(diann.STATS_COLUMNS.values()) | set(msqc.COLUMNS)
            | set(LEGACY_NAMES.values()) | set(LOCAL_DESCRIPTIONS))


def test_local_terms_are_well_formed_stable_and_distinct():
    names = _known_metric_names()
    accessions = {local_accession(name) for name in names}
    assert len(accessions) == len(names)
    assert all(ACCESSION.match(a) and a.startswith("AK:") for a in accessions)
    assert local_accession("fwhm_rt") == "AK:" + __import__("hashlib").sha256(b"fwhm_rt").hexdigest()[:10].upper()
    assert not accessions & {m.term.accession for m in PSI_MS_METRICS.values()}


def test_mapped_metrics_use_psi_ms_terms_and_the_rest_local_terms():
    metrics = {"raw_file": "r.raw", "type": "alphadia", "settings_name": "s", "proteins": 5122.6,
               "calibration:ms2_bias": -1.25, "fwhm_rt": 2.5, "precursors": None, "gradient_length": float("nan"),
               "ms1_error": 4.0}
    by_name = {m["name"]: m for m in quality_metrics(metrics)}
    assert by_name["number of identified protein groups"] == {
        "name": "number of identified protein groups", "accession": "MS:1003327", "value": 5123,
        "unit": {"name": "count unit", "accession": "UO:0000189"}}
    assert isinstance(by_name["number of identified protein groups"]["value"], int)
    assert by_name["fragment ppm deviation median"]["unit"]["accession"] == "UO:0000169"
    assert by_name["fwhm_rt"]["accession"] == local_term("fwhm_rt").accession and "seconds" in by_name["fwhm_rt"][
        "description"]
    # an older name is exported under AlphaKraken's; a missing or non-finite metric is left out
    assert "optimization:ms1_error" in by_name and "ms1_error" not in by_name
    assert {"number of identified quantification data points", "gradient_length", "settings_name"}.isdisjoint(by_name)
    assert list(by_name)[:2] == ["fragment ppm deviation median", "number of identified protein groups"]


def test_a_document_of_hand_made_runs_is_valid_mzqc_and_pymzqc_reads_it():
    raw = {"_id": "20260301_astral1_HeLa 01.raw", "original_name": "20260301_astral1_HeLa 01.raw",
           "instrument_id": "astral1", "project_id": "P1", "created_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
           "backup_base_path": "/backup/astral1/2026_03", "backup_status": "upload_done",
           "file_info": {"x.raw": [10, "0" * 32]}}
    runs = [Run(raw, {"raw_file": raw["_id"], "type": "alphadia", "settings_name": "hela", "settings_version": 2,
                      "proteins": 5000, "fwhm_rt": 2.4}, "alphadia-2.3.0"),
            Run(raw, {"raw_file": raw["_id"], "type": "my_tool", "settings_name": "hela", "settings_version": 2,
                      "score": 0.5})]
    document = mzqc_document(runs, "test", now=datetime(2026, 3, 2, tzinfo=UTC))
    assert schema_errors(document) == []
    qualities = document["mzQC"]["runQualities"]
    assert [q["metadata"]["label"] for q in qualities] == [f"{raw['_id']} (hela v2)", f"{raw['_id']} (hela v2) #2"]
    assert qualities[0]["metadata"]["inputFiles"][0]["location"] == \
        "file:///backup/astral1/2026_03/20260301_astral1_HeLa%2001.raw"
    assert qualities[1]["metadata"]["analysisSoftware"][0]["uri"] == "urn:alphakraken:tool:my_tool"
    copying = {**raw, "backup_status": "copying_in_progress"}  # the backup path is set before the copy is verified
    assert input_location(copying) == "urn:alphakraken:raw_file:20260301_astral1_HeLa%2001.raw"
    read = read_back(to_json(document))
    assert [len(rq.qualityMetrics) for rq in read.runQualities] == [2, 1]
    assert read.version == "1.0.0"


def test_an_invalid_document_is_caught_by_the_schema_check():
    raw = {"_id": "a.raw", "created_at": datetime(2026, 3, 1, tzinfo=UTC)}
    document = mzqc_document([Run(raw, {"raw_file": "a.raw", "proteins": 1})], "test")
    document["mzQC"]["runQualities"][0]["qualityMetrics"][0]["accession"] = "ak:lower"
    del document["mzQC"]["creationDate"]
    errors = schema_errors(document)
    assert any("creationDate" in e for e in errors) and any("ak:lower" in e for e in errors)


def test_the_docs_tables_say_what_the_export_writes():
    text = DOCS.read_text()
    mapped = dict(re.findall(r"^\| `([^`]+)` \| (MS:\d{7}) ", text, re.M))
    assert mapped == {name: m.term.accession for name, m in PSI_MS_METRICS.items()}
    local = dict(re.findall(r"^\| `([^`]+)` \| (AK:[0-9A-F]{10}) \|", text, re.M))
    assert set(local) == set(LOCAL_DESCRIPTIONS)
    assert all(local_accession(name) == accession for name, accession in local.items())


def test_large_documents_are_written_compact_and_small_ones_indented():
    def runs(count):
        return [Run({"_id": f"f{i}.raw", "created_at": datetime(2026, 3, 1, tzinfo=UTC)},
                    {"raw_file": f"f{i}.raw", "settings_name": "s", "settings_version": 1, "proteins": 1})
                for i in range(count)]

    small, large = (to_json(mzqc_document(runs(n), "test")) for n in (INDENTED_RUNS, INDENTED_RUNS + 1))
    assert small.count("\n") > 1000 and large.count("\n") == 1
    assert schema_errors(json.loads(large)) == [] and len(json.loads(large)["mzQC"]["runQualities"]) == 101


def test_the_companion_serves_mzqc_without_pandas_or_dagster():
    """The companion's image has neither (docker/companion.Dockerfile): the export must not pull them in."""
    blocked = "import sys\nfor name in ('pandas', 'numpy', 'pyarrow', 'dagster'): sys.modules[name] = None\n"
    done = subprocess.run([sys.executable, "-c", blocked + "import kraken_ui_ext.companion.app, kraken_core.qc.mzqc_cli"],
                          cwd=DOCS.parents[1], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
