"""The controlled-vocabulary terms of the mzQC export: which AlphaKraken metric is which PSI-MS term, and the
local terms of every other metric and record field.

A metric is mapped to a PSI-MS term only where the term's definition says what the metric measures; names as
in psi-ms.obo 4.1.257 (`tests/qc/fixtures/psi-ms-4.1.257-terms.obo` holds the stanzas and a test compares them).
Every other metric, and the record fields given as run metadata, is a term of the local vocabulary `AK`
(AlphaKraken): its name is AlphaKraken's field name, its accession `AK:` and the first ten hex digits (upper case)
of the SHA-256 of that name, so the same name has the same accession in every document, and any metric a tool
adds later gets one without a table to keep. mzQC allows such custom vocabularies beside PSI-MS (spec 1.0,
"Other Controlled Vocabularies"); accessions must match `^[A-Z]+:[A-Z0-9]+$`. Docs: docs/qc.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Term:
    accession: str
    name: str

    def cv_parameter(self, **fields) -> dict:
        """The term as an mzQC cvParameter; name first, as the spec recommends for people reading it."""
        return {"name": self.name, "accession": self.accession, **fields}


@dataclass(frozen=True)
class MetricTerm:
    term: Term
    unit: Term | None = None
    integer: bool = False  # the CV's value type is xsd:int
    id_based: bool = False  # the CV's category "ID based metric": the run must name the identification results


PSI_MS_VERSION = "4.1.257"
PSI_MS = {
    "name": "Proteomics Standards Initiative Mass Spectrometry Ontology",
    # the release's commit (tag v4.1.257): the spec asks for a stable link to the version used
    "uri": "https://raw.githubusercontent.com/HUPO-PSI/psi-ms-CV/461a6c10ffe4d0e660d0d8c28dc86f200197e4a2/psi-ms.obo",
    "version": PSI_MS_VERSION,
}
UNIT_ONTOLOGY = {"name": "Unit Ontology", "uri": "http://purl.obolibrary.org/obo/uo.obo"}
LOCAL_PREFIX = "AK"
LOCAL_VOCABULARY_VERSION = "1"
LOCAL_VOCABULARY = {
    "name": "AlphaKraken local QC terms (metrics and record fields without a PSI-MS term; see docs/qc.md)",
    # no public address: a URN that names it; the terms are listed in docs/qc.md
    "uri": "urn:alphakraken:qc-terms",
    "version": LOCAL_VOCABULARY_VERSION,
}

COUNT_UNIT = Term("UO:0000189", "count unit")
PPM = Term("UO:0000169", "parts per million")

# AlphaKraken's metric name -> PSI-MS term; what each means in the tools is in docs/qc.md
PSI_MS_METRICS: dict[str, MetricTerm] = {
    # AlphaDIA search.proteins, DIA-NN Proteins.Identified: protein groups at the search's FDR
    "proteins": MetricTerm(Term("MS:1003327", "number of identified protein groups"), COUNT_UNIT, integer=True,
                           id_based=True),
    # AlphaDIA search.precursors, DIA-NN Precursors.Identified: precursors (XIC groups) at the search's FDR
    "precursors": MetricTerm(Term("MS:4000103", "number of identified quantification data points"), COUNT_UNIT,
                             integer=True, id_based=True),
    # AlphaDIA: median mass bias of the fragments of its calibration precursors, ppm
    "calibration:ms2_bias": MetricTerm(Term("MS:4000026", "fragment ppm deviation median"), PPM, id_based=True),
    # AlphaDIA: charge of the identified precursors (one row of psm/precursors per precursor-spectrum match)
    "precursor:charge_mean": MetricTerm(Term("MS:4000174", "mean MS2 precursor charge in identified spectra"),
                                        id_based=True),
    "precursor:charge_median": MetricTerm(Term("MS:4000176", "median MS2 precursor charge in identified spectra"),
                                          id_based=True),
    # MSQC: scans of each MS level in the raw file
    "ms1_scans": MetricTerm(Term("MS:4000059", "number of MS1 spectra"), COUNT_UNIT, integer=True),
    "ms2_scans": MetricTerm(Term("MS:4000060", "number of MS2 spectra"), COUNT_UNIT, integer=True),
}

# what the local terms mean; a metric not listed here is described by its name and tool
LOCAL_DESCRIPTIONS: dict[str, str] = {
    "fwhm_rt": "Peak width (FWHM) in retention time: AlphaDIA's search.fwhm_rt (mean, seconds), DIA-NN's FWHM.RT "
               "(minutes).",
    "fwhm_mobility": "AlphaDIA: mean peak width (FWHM) in the ion mobility dimension (ion mobility data only).",
    "gradient_length": "Length of the gradient in minutes (AlphaDIA's raw.gradient_length; MSQC: the last "
                       "retention time).",
    "optimization:ms1_error": "AlphaDIA: final MS1 mass tolerance of the search, ppm.",
    "optimization:ms2_error": "AlphaDIA: final MS2 mass tolerance of the search, ppm.",
    "optimization:rt_error": "AlphaDIA: final retention time tolerance of the search, seconds.",
    "optimization:mobility_error": "AlphaDIA: final ion mobility tolerance of the search (ion mobility data only).",
    "calibration:ms1_bias": "AlphaDIA: median mass bias of the precursors (MS1), ppm.",
    "calibration:ms1_variance": "AlphaDIA: median mass variance of the precursors (MS1), ppm.",
    "calibration:ms2_variance": "AlphaDIA: median mass variance of the fragments (MS2), ppm.",
    "raw:cycle_length": "AlphaDIA: scans per cycle.",
    "raw:cycle_duration": "AlphaDIA: mean duration of a cycle, seconds.",
    "raw:cycle_number": "AlphaDIA: cycles in the run.",
    "precursor:charge_std": "AlphaDIA: standard deviation of the charge of the identified precursors.",
    "precursor:proba_mean": "AlphaDIA: mean decoy probability of the identified precursors.",
    "precursor:intensity_sum": "AlphaDIA: summed intensity of the identified precursors.",
    "pg:intensity_sum": "AlphaDIA: sum of the pg.intensity column of the precursor table.",
    "precursor_intensity_median": "AlphaDIA: median summed b and y fragment intensity of the identified precursors.",
    "time_elapsed": "Seconds the quantification job ran.",
    "ms1_median_injection_time": "MSQC: median MS1 ion injection time, ms.",
    "ms2_median_injection_time": "MSQC: median MS2 ion injection time, ms.",
    "ms1_median_tic": "MSQC: median total ion current of the MS1 scans.",
    "ms2_median_tic": "MSQC: median total ion current of the MS2 scans.",
    "evosep_pump_hp_pressure_max": "MSQC: maximum of the Evosep pump's high-pressure trace, bar.",
    "median_mass_acc_ms1": "DIA-NN: median MS1 mass accuracy, ppm (Median.Mass.Acc.MS1).",
    "median_mass_acc_ms2": "DIA-NN: median MS2 mass accuracy, ppm (Median.Mass.Acc.MS2).",
    "average_peptide_charge": "DIA-NN: average charge of the identified precursors.",
    "irt_delta_rt_mean": "Skyline: mean absolute difference of predicted and measured retention time of the heavy "
                         "iRT peptides, minutes.",
    # record fields given as run metadata
    "instrument_id": "The instrument that acquired the raw file (AlphaKraken's instrument id).",
    "project_id": "The project the raw file belongs to.",
    "created_at": "When the raw file was created on the instrument (the acquisition's start), UTC.",
    "settings_name": "Name of the quantification settings the metrics come from.",
    "settings_version": "Version of those settings.",
}

# raw file extension -> PSI-MS file format
FILE_FORMATS = {
    ".raw": Term("MS:1000563", "Thermo RAW format"),
    ".d": Term("MS:1002817", "Bruker TDF format"),
    ".wiff": Term("MS:1000562", "ABI WIFF format"),
    ".wiff2": Term("MS:1003448", "SCIEX WIFF2 format"),
}
ANY_FILE_FORMAT = Term("MS:1000560", "mass spectrometer file format")
MD5 = Term("MS:1000568", "MD5")
TAB_SEPARATED = Term("MS:1000914", "tab delimited text format")
FILE_FORMAT = Term("MS:1001459", "file format")
# metrics type -> the file of the tool's output its identification counts come from (the plugins' names; not
# imported from them: they need pandas, which the companion's image does not have)
IDENTIFICATION_RESULTS = {"alphadia": "stat.tsv", "diann": "report.stats.tsv"}

ANALYSIS_SOFTWARE = Term("MS:1001456", "analysis software")


@dataclass(frozen=True)
class Software:
    term: Term
    label: str
    uri: str


# metrics type (the `type` of a `metrics` document) -> the tool that computed them
SOFTWARE = {
    "alphadia": Software(ANALYSIS_SOFTWARE, "AlphaDIA", "https://github.com/MannLabs/alphadia"),
    "diann": Software(Term("MS:1003253", "DIA-NN"), "DIA-NN", "https://github.com/vdemichev/DiaNN"),
    "skyline": Software(Term("MS:1000922", "Skyline"), "Skyline", "https://skyline.ms"),
    "msqc": Software(ANALYSIS_SOFTWARE, "MSQC (AlphaKraken's msqc-extractor)", "https://github.com/MannLabs/alphakraken"),
}


def software_of(metrics_type: str) -> Software:
    """A custom tool has no public address: its URI names it under `urn:alphakraken:tool:`."""
    return SOFTWARE.get(metrics_type) or Software(ANALYSIS_SOFTWARE, metrics_type,
                                                   f"urn:alphakraken:tool:{_urn_part(metrics_type)}")


def _urn_part(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in text) or "unknown"


@cache
def local_accession(name: str) -> str:
    return f"{LOCAL_PREFIX}:{hashlib.sha256(name.encode()).hexdigest()[:10].upper()}"


@cache
def local_term(name: str) -> Term:
    return Term(local_accession(name), name)


def local_description(name: str, metrics_type: str | None = None) -> str:
    if name in LOCAL_DESCRIPTIONS:
        return LOCAL_DESCRIPTIONS[name]
    tool = software_of(metrics_type).label if metrics_type else "its tool"
    return f"{name} as computed by {tool} and stored by AlphaKraken; no PSI-MS term yet."


def file_format_of(file_name: str) -> Term:
    return FILE_FORMATS.get(PurePosixPath(file_name).suffix.lower(), ANY_FILE_FORMAT)
