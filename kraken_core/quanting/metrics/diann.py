"""DIA-NN's metrics plugin: the run statistics of `report.stats.tsv` and the median precursor retention time.

`report.stats.tsv` has one row per run (one here: a job quantifies one raw file); every column below must be
there, as in AlphaKraken, and a missing one is an error that names it. The median precursor RT comes from the
main report: `report.parquet` (DIA-NN 1.9 and later) or `report.tsv` (1.8 and earlier), column `RT` (minutes);
without a main report, as in AlphaKraken, that one metric is left out.
"""

from __future__ import annotations

from pathlib import Path

from kraken_core.numbers import finite_number
from kraken_core.quanting.metrics.output_files import (
    OutputReadError, mean, numbers, read_table, require_rows, find_output,
)
from kraken_core.quanting.metrics.plugin import Metrics, MetricsPlugin

TOOL = "DIA-NN"
STATS = "report.stats.tsv"
MAIN_REPORTS = ("report.parquet", "report.tsv")
# report.stats.tsv column -> AlphaKraken's metric name
STATS_COLUMNS = {
    "Precursors.Identified": "precursors",
    "Proteins.Identified": "proteins",
    "Total.Quantity": "total_quantity",
    "MS1.Signal": "ms1_signal",
    "MS2.Signal": "ms2_signal",
    "FWHM.Scans": "fwhm_scans",
    "FWHM.RT": "fwhm_rt",
    "Median.Mass.Acc.MS1": "median_mass_acc_ms1",
    "Median.Mass.Acc.MS1.Corrected": "median_mass_acc_ms1_corrected",
    "Median.Mass.Acc.MS2": "median_mass_acc_ms2",
    "Median.Mass.Acc.MS2.Corrected": "median_mass_acc_ms2_corrected",
    "Normalisation.Instability": "normalisation_instability",
    "Median.RT.Prediction.Acc": "median_rt_prediction_acc",
    "Average.Peptide.Length": "average_peptide_length",
    "Average.Peptide.Charge": "average_peptide_charge",
    "Average.Missed.Tryptic.Cleavages": "average_missed_tryptic_cleavages",
}
RT = "RT"


def stats_metrics(folder: Path) -> Metrics:
    path = find_output(folder, TOOL, STATS)
    table = require_rows(read_table(path, TOOL), path, TOOL)
    absent = [column for column in STATS_COLUMNS if column not in table.columns]
    if absent:
        raise OutputReadError(f"{TOOL}: {path} lacks the column(s) {', '.join(absent)}; it has: "
                              f"{', '.join(map(str, table.columns))}. A newer DIA-NN may have renamed them: add the "
                              f"new names to kraken_core/quanting/metrics/diann.py")
    return {name: mean(table, column) for column, name in STATS_COLUMNS.items()}


def precursor_rt_metrics(folder: Path) -> Metrics:
    present = [folder / name for name in MAIN_REPORTS if (folder / name).is_file()]
    if not present:
        return {}
    path = present[0]
    options = {"columns": [RT]} if path.suffix == ".parquet" else {"usecols": [RT]}
    table = read_table(path, TOOL, **options)
    return {"median_precursor_rt": finite_number(numbers(table, RT).median())}


def read_metrics(folder: Path) -> Metrics:
    return {**stats_metrics(folder), **precursor_rt_metrics(folder)}


PLUGIN = MetricsPlugin(metrics_type="diann", tool=TOOL, outputs=((STATS,),), read=read_metrics)
