"""Read an AlphaDIA output folder (2.x and 1.x layouts) into one set of metric names for both.

2.x: `stat.tsv` with `search.*`, `optimization.*`, `calibration.*_{bias,variance}`, `raw.gradient_length` in
seconds; `precursors.parquet`; events in `quant/<stem>/events.jsonl`. 1.x: `stat.tsv` with `run`, `precursors`,
`calibration.*_median_{accuracy,precision}`, `raw.gradient_length_m` in minutes; `precursors.tsv` (snake_case);
events in `quant/<stem>/events.jsonl` or, before 1.9, `.progress/<stem>/events.jsonl`. Both: `internal.tsv`
(durations in minutes) and `log.txt`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from kraken_core.numbers import finite_number

STAT = "stat.tsv"
INTERNAL = "internal.tsv"
LOG = "log.txt"
PRECURSORS_2X = "precursors.parquet"
PRECURSORS_1X = "precursors.tsv"

# stat.tsv column (2.x or 1.x) -> AlphaKraken's metric name (`kraken_core.quanting.metric_names`: dots become `:`)
STAT_COLUMNS = {
    "search.proteins": "proteins",
    "proteins": "proteins",
    "search.precursors": "precursors",
    "precursors": "precursors",
    "search.fwhm_rt": "fwhm_rt",
    "fwhm_rt": "fwhm_rt",
    "search.fwhm_mobility": "fwhm_mobility",
    "fwhm_mobility": "fwhm_mobility",
    "optimization.ms2_error": "optimization:ms2_error",
    "optimization.ms1_error": "optimization:ms1_error",
    "optimization.rt_error": "optimization:rt_error",
    "optimization.mobility_error": "optimization:mobility_error",
    "calibration.ms2_bias": "calibration:ms2_bias",
    "calibration.ms2_median_accuracy": "calibration:ms2_bias",
    "calibration.ms2_variance": "calibration:ms2_variance",
    "calibration.ms2_median_precision": "calibration:ms2_variance",
    "calibration.ms1_bias": "calibration:ms1_bias",
    "calibration.ms1_median_accuracy": "calibration:ms1_bias",
    "calibration.ms1_variance": "calibration:ms1_variance",
    "calibration.ms1_median_precision": "calibration:ms1_variance",
    "raw.gradient_length_m": "gradient_length",
    "raw.cycle_length": "raw:cycle_length",
    "raw.cycle_duration": "raw:cycle_duration",
    "raw.cycle_number": "raw:cycle_number",
}
INTERNAL_COLUMNS = ("duration_total", "duration_load", "duration_optimization", "duration_extraction")
# precursor table column (2.x dotted, 1.x snake_case) -> metric name prefix
PRECURSOR_COLUMNS = {
    "precursor.charge": "precursor_charge", "precursor_charge": "precursor_charge", "charge": "precursor_charge",
    "precursor.proba": "precursor_proba", "precursor_proba": "precursor_proba", "proba": "precursor_proba",
    "precursor.sequence": "precursor_sequence", "precursor_sequence": "precursor_sequence",
    "sequence": "precursor_sequence",
    "precursor.intensity": "precursor_intensity", "precursor_intensity": "precursor_intensity",
    "intensity": "precursor_intensity",
    "pg.intensity": "pg_intensity", "pg_intensity": "pg_intensity",
    "peptide.intensity": "peptide_intensity", "peptide_intensity": "peptide_intensity",
    "weighted_ms1_intensity": "weighted_ms1_intensity",
    "sum_b_ion_intensity": "sum_b_ion_intensity", "sum_y_ion_intensity": "sum_y_ion_intensity",
}
# precursor table column (renamed above) -> AlphaKraken's metric name prefix
PRECURSOR_METRIC_PREFIX = {
    "precursor_charge": "precursor:charge", "precursor_proba": "precursor:proba",
    "precursor_sequence": "precursor:sequence", "precursor_intensity": "precursor:intensity",
    "pg_intensity": "pg:intensity", "peptide_intensity": "peptide:intensity",
    "weighted_ms1_intensity": "weighted_ms1_intensity",
}
KNOWN_ERROR_CODES = ("TOO_FEW_PSM", "NO_PSM_FOUND", "NOT_VALID_DIA_DATA", "CONFIG_ERROR", "NO_RAW_FILES",
                     "NO_LIBRARY", "NO_FASTA", "NOT_ENOUGH_MEMORY", "INVALID_INPUT")
_LOG_ERRORS = (
    (re.compile(r"\b(" + "|".join(KNOWN_ERROR_CODES) + r")\b"), None),
    (re.compile(r"No psm files accumulated", re.I), "NO_PSM_FOUND"),
    (re.compile(r"MemoryError|Unable to allocate", re.I), "NOT_ENOUGH_MEMORY"),
)


class OutputReadError(RuntimeError):
    """A result file exists but cannot be read."""


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, sep="\t")
    except Exception as err:
        raise OutputReadError(f"cannot read {path}: {err}") from err


def layout(folder: Path) -> str | None:
    """`2.x`, `1.x` or None (no result files)."""
    if (folder / PRECURSORS_2X).exists():
        return "2.x"
    if (folder / PRECURSORS_1X).exists():
        return "1.x"
    if (folder / STAT).exists():
        columns = (folder / STAT).read_text(errors="replace").split("\n", 1)[0].split("\t")
        return "2.x" if any(c.startswith("search.") for c in columns) else "1.x"
    return None


def missing_result_files(folder: Path) -> list[str]:
    found_precursors = (folder / PRECURSORS_2X).exists() or (folder / PRECURSORS_1X).exists()
    missing = [] if (folder / STAT).exists() else [STAT]
    return missing + ([] if found_precursors else [f"{PRECURSORS_2X} or {PRECURSORS_1X}"])


def stat_metrics(folder: Path) -> dict:
    df = _read(folder / STAT)
    metrics = {}
    for column, name in STAT_COLUMNS.items():
        if column in df.columns and name not in metrics:
            metrics[name] = finite_number(pd.to_numeric(df[column], errors="coerce").mean())
    if "raw.gradient_length" in df.columns and "gradient_length" not in metrics:  # 2.x: seconds
        seconds = finite_number(pd.to_numeric(df["raw.gradient_length"], errors="coerce").mean())
        metrics["gradient_length"] = None if seconds is None else seconds / 60
    return metrics


def internal_metrics(folder: Path) -> dict:
    if not (folder / INTERNAL).exists():
        return {}
    df = _read(folder / INTERNAL)
    return {c: finite_number(pd.to_numeric(df[c], errors="coerce").mean()) for c in INTERNAL_COLUMNS if c in df.columns}


def precursor_table(folder: Path) -> pd.DataFrame:
    path = folder / PRECURSORS_2X if (folder / PRECURSORS_2X).exists() else folder / PRECURSORS_1X
    df = _read(path)
    renames = {c: PRECURSOR_COLUMNS[c] for c in df.columns if c in PRECURSOR_COLUMNS}
    df = df[list(renames)].rename(columns=renames)
    return df.loc[:, ~df.columns.duplicated()]


def precursor_metrics(folder: Path) -> dict:
    df = precursor_table(folder)
    metrics: dict = {"precursor_rows": len(df)}
    for column in ("precursor_charge", "precursor_proba"):
        if column in df.columns:
            values, name = pd.to_numeric(df[column], errors="coerce"), PRECURSOR_METRIC_PREFIX[column]
            metrics[f"{name}_mean"] = finite_number(values.mean())
            metrics[f"{name}_std"] = finite_number(values.std())
            metrics[f"{name}_median"] = finite_number(values.median())
    if "precursor_sequence" in df.columns:
        lengths = df["precursor_sequence"].astype(str).str.len()
        metrics["precursor:sequence_len_mean"] = finite_number(lengths.mean())
        metrics["precursor:sequence_len_std"] = finite_number(lengths.std(ddof=1))
        metrics["precursor:sequence_len_median"] = finite_number(lengths.median())
    for column in ("weighted_ms1_intensity", "pg_intensity", "precursor_intensity", "peptide_intensity"):
        if column in df.columns:
            metrics[f"{PRECURSOR_METRIC_PREFIX[column]}_sum"] = finite_number(pd.to_numeric(df[column], errors="coerce").sum())
    if {"sum_b_ion_intensity", "sum_y_ion_intensity"} <= set(df.columns):  # AlphaKraken's fragment intensity
        fragments = pd.to_numeric(df["sum_b_ion_intensity"], errors="coerce") + pd.to_numeric(
            df["sum_y_ion_intensity"], errors="coerce")
        metrics["precursor_intensity_median"] = finite_number(fragments.median())
    return metrics


def read_metrics(folder: Path) -> dict:
    """Every metric of one output folder, with AlphaKraken's names; NaN as None."""
    return {**stat_metrics(folder), **precursor_metrics(folder), **internal_metrics(folder)}


def event_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("quant/*/events.jsonl")) + sorted(folder.glob(".progress/*/events.jsonl"))


def error_code_from_events(folder: Path) -> str | None:
    """The `error_code` of the first exception event of any raw file in this output, if any."""
    for path in event_files(folder):
        for line in path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("error_code"):
                return str(event["error_code"])
    return None


def error_from_log(folder: Path) -> str | None:
    """A known AlphaDIA error recognised in `log.txt` (code), if any."""
    path = folder / LOG
    if not path.exists():
        return None
    for line in path.read_text(errors="replace").splitlines():
        if "ERROR" not in line and "Error" not in line:
            continue
        for pattern, code in _LOG_ERRORS:
            match = pattern.search(line)
            if match:
                return code or match.group(1)
    return None
