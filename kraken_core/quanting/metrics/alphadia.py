"""AlphaDIA's metrics plugin: an output folder (2.x and 1.x layouts) read into one set of metric names for both.

2.x: `stat.tsv` with `search.*`, `optimization.*`, `calibration.*_{bias,variance}`, `raw.gradient_length` in
seconds; `precursors.parquet`; events in `quant/<stem>/events.jsonl`. 1.x: `stat.tsv` with `run`, `precursors`,
`calibration.*_median_{accuracy,precision}`, `raw.gradient_length_m` in minutes; `precursors.tsv` (snake_case);
events in `quant/<stem>/events.jsonl` or, before 1.9, `.progress/<stem>/events.jsonl`. Both: `internal.tsv`
(durations in minutes) and `log.txt`. Failure codes from the events and `log.txt` are `failure_codes`' job.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kraken_core.numbers import finite_number
from kraken_core.quanting.metrics.output_files import read_table
from kraken_core.quanting.metrics.plugin import MetricsPlugin

TOOL = "AlphaDIA"
STAT = "stat.tsv"
INTERNAL = "internal.tsv"
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


def _read(path: Path) -> pd.DataFrame:
    return read_table(path, TOOL)


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


PLUGIN = MetricsPlugin(
    metrics_type="alphadia", tool=TOOL, outputs=((STAT,), (PRECURSORS_2X, PRECURSORS_1X)), read=read_metrics
)
