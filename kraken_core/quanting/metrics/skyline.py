"""Skyline's metrics plugin: iRT peptides of `custom_iRT_report.csv`, per peptide and aggregated.

The job exports the report named `custom_iRT_report` with `--report-invariant` (comma-separated, invariant
column names such as `PeptideModifiedSequence`, `#N/A` for a missing value); a report exported without it has
the same columns as captions with spaces (`Peptide Modified Sequence`), which read the same. One row per
precursor: the spiked-in heavy iRT peptides give the metrics (as in AlphaKraken), the light ones are counted.

A report without rows means no iRT peptide was found: counts 0, aggregates None.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kraken_core.numbers import finite_number
from kraken_core.quanting.metrics.output_files import (
    OutputReadError, find_output, numbers, read_table,
)
from kraken_core.quanting.metrics.plugin import Metrics, MetricsPlugin

TOOL = "Skyline"
REPORT = "custom_iRT_report.csv"
SEQUENCE = "PeptideModifiedSequence"
LABEL = "IsotopeLabelType"
PREDICTED_RT = "PredictedRetentionTime"
MEASURED_RT = "AverageMeasuredRetentionTime"
AREA = "MeanTotalArea"
CV = "CvTotalArea"
COLUMNS = (SEQUENCE, LABEL, PREDICTED_RT, MEASURED_RT, AREA, CV)


def peptide_field(sequence: str) -> str:
    """A modified sequence as part of a MongoDB field name (AlphaKraken's rule: `C[+57.0]` -> `C_+57:0`)."""
    return str(sequence).replace("[", "_").replace("]", "").replace(".", ":")


def report(folder: Path) -> tuple[Path, pd.DataFrame]:
    path = find_output(folder, TOOL, REPORT)
    table = read_table(path, TOOL, sep=",", na_values=["#N/A"])
    table = table.rename(columns={c: str(c).replace(" ", "") for c in table.columns})
    absent = [column for column in COLUMNS if column not in table.columns]
    if absent:
        raise OutputReadError(f"{TOOL}: {path} lacks the column(s) {', '.join(absent)}; it has: "
                              f"{', '.join(map(str, table.columns))}. Export the report custom_iRT_report with these "
                              f"columns (see docs/quanting.md)")
    return path, table


def _labelled(table: pd.DataFrame, label: str) -> pd.DataFrame:
    return table[table[LABEL].astype(str).str.lower() == label]


def read_metrics(folder: Path) -> Metrics:
    _, table = report(folder)
    heavy = _labelled(table, "heavy")
    delta_rt = (numbers(heavy, PREDICTED_RT) - numbers(heavy, MEASURED_RT)).abs()
    area, cv = numbers(heavy, AREA), numbers(heavy, CV)
    metrics: Metrics = {
        "irt_delta_rt_mean": finite_number(delta_rt.mean()),
        "irt_delta_rt_max": finite_number(delta_rt.max()),
        "irt_mean_total_area_median": finite_number(area.median()),
        "irt_cv_total_area_mean": finite_number(cv.mean()),
        "irt_cv_total_area_max": finite_number(cv.max()),
        "irt_n_heavy_peptides": len(heavy),
        "irt_n_light_peptides": len(_labelled(table, "light")),
    }
    for sequence, delta, peptide_area, peptide_cv in zip(heavy[SEQUENCE], delta_rt, area, cv, strict=True):
        prefix = f"irt_{peptide_field(sequence)}"
        metrics[f"{prefix}_delta_rt"] = finite_number(delta)
        metrics[f"{prefix}_mean_total_area"] = finite_number(peptide_area)
        if finite_number(peptide_cv) is not None:  # a single replicate has no CV: left out, as in AlphaKraken
            metrics[f"{prefix}_cv_total_area"] = finite_number(peptide_cv)
    return metrics


PLUGIN = MetricsPlugin(metrics_type="skyline", tool=TOOL, outputs=((REPORT,),), read=read_metrics)
