"""AlphaKraken's names of the metrics in the `metrics` collection, and the older names that mean the same.

AlphaKraken (`airflow_src/plugins/metrics/`) names a metric after AlphaDIA's column with every `.` turned into `:`
(MongoDB field names cannot hold dots): `optimization:ms1_error`, `calibration:ms2_bias`, `pg:intensity_sum`,
`precursor:charge_mean`, ...; a few have plain names (`proteins`, `precursors`, `fwhm_rt`, `gradient_length`,
`precursor_intensity_median`, `time_elapsed`). These are the names stored and shown everywhere.

Before the switch to AlphaKraken's names this platform stored the same metrics under short names
(`ms1_error`, `pg_intensity_sum`, ...), and some documents hold AlphaDIA's dotted column names. `LEGACY_NAMES`
maps every such name to AlphaKraken's, so readers see one series, and `python -m kraken_core.record.migrate`
renames the stored fields. AlphaKraken itself stored MSQC's metrics as `msqc_<column>` before April 2026
(`msqc_evosep_pump_hp_pressure_max`); its readers strip the prefix, and so do these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# this platform's names before the switch -> AlphaKraken's
_SHORT_NAMES = {
    "ms1_error": "optimization:ms1_error",
    "ms2_error": "optimization:ms2_error",
    "rt_error": "optimization:rt_error",
    "mobility_error": "optimization:mobility_error",
    "ms1_bias": "calibration:ms1_bias",
    "ms2_bias": "calibration:ms2_bias",
    "ms1_variance": "calibration:ms1_variance",
    "ms2_variance": "calibration:ms2_variance",
    "cycle_length": "raw:cycle_length",
    "cycle_duration": "raw:cycle_duration",
    "cycle_number": "raw:cycle_number",
    "pg_intensity_sum": "pg:intensity_sum",
    "precursor_intensity_sum": "precursor:intensity_sum",
    "peptide_intensity_sum": "peptide:intensity_sum",
    **{f"precursor_{column}_{stat}": f"precursor:{column}_{stat}"
       for column in ("charge", "proba") for stat in ("mean", "std", "median")},
    **{f"precursor_sequence_len_{stat}": f"precursor:sequence_len_{stat}" for stat in ("mean", "std", "median")},
}
# AlphaDIA's column names (with dots) that AlphaKraken renames rather than only turning dots into colons
_ALPHADIA_COLUMNS = {
    "search.proteins": "proteins",
    "search.precursors": "precursors",
    "search.fwhm_rt": "fwhm_rt",
    "search.fwhm_mobility": "fwhm_mobility",
    "raw.gradient_length_m": "gradient_length",
    "calibration.ms1_median_accuracy": "calibration:ms1_bias",
    "calibration.ms2_median_accuracy": "calibration:ms2_bias",
    "calibration.ms1_median_precision": "calibration:ms1_variance",
    "calibration.ms2_median_precision": "calibration:ms2_variance",
}
LEGACY_NAMES: dict[str, str] = {**_SHORT_NAMES, **_ALPHADIA_COLUMNS}
MSQC_LEGACY_PREFIX = "msqc_"

# MSQC's maximum of the Evosep pump's high-pressure trace in bar (column of `msqc_results.tsv`); the pump-pressure
# alert reads it, and its older name `msqc_evosep_pump_hp_pressure_max` in documents not yet migrated
EVOSEP_PUMP_HP_PRESSURE_MAX = "evosep_pump_hp_pressure_max"
# the gradient length in minutes (AlphaDIA's `raw.gradient_length_m`); AlphaKraken's later documents spell it
# `raw:gradient_length_m`
GRADIENT_LENGTH = "gradient_length"
GRADIENT_LENGTH_NAMES = (GRADIENT_LENGTH, "raw:gradient_length_m")


def alphakraken_name(name: str) -> str:
    """AlphaKraken's name of a metric field, whichever name it was stored under."""
    if name in LEGACY_NAMES:
        return LEGACY_NAMES[name]
    if name.startswith(MSQC_LEGACY_PREFIX):
        return name[len(MSQC_LEGACY_PREFIX):]
    return name.replace(".", ":")


def legacy_names_of(name: str) -> tuple[str, ...]:
    """The older field names that hold the metric AlphaKraken calls `name` (its dotted form included)."""
    older = [old for old, new in LEGACY_NAMES.items() if new == name]
    dotted = name.replace(":", ".")
    if dotted != name and dotted not in older:
        older.append(dotted)
    return tuple(older)


def renames(fields: Iterable[str]) -> dict[str, str]:
    """The renames that would give these fields AlphaKraken's names (old -> new), nothing for names already right."""
    return {field: new for field in fields if (new := alphakraken_name(field)) != field}


def with_alphakraken_names(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A `metrics` document read under AlphaKraken's names; where both an old and the new name are set, the new
    one's value wins (a null under the new name does not hide an old value)."""
    result = {field: value for field, value in doc.items() if alphakraken_name(field) == field}
    for field, value in doc.items():
        name = alphakraken_name(field)
        if name != field and result.get(name) is None:
            result[name] = value
    return result
