"""MSQC's metrics plugin: `msqc_results.tsv`, one row of acquisition metrics per raw file.

MSQC (AlphaKraken's `msqc-extractor`) reads the raw file itself (alpharaw / alphatims) and writes the table with
pandas' index as a first, unnamed column. Which columns are there depends on the vendor: Thermo has all of them
(Evosep pump pressure only when the Evosep wrote it into the raw file), Sciex has no injection times, Bruker
only `ms2_scans`, the median TICs and `gradient_length`; older MSQC versions wrote no `gradient_length`. As in
AlphaKraken, a column that is not there is left out; a table without any of them is an error (a newer MSQC that
renamed them all is not read silently as empty).

AlphaKraken stores the columns under their own names; before April 2026 it prefixed them with `msqc_`
(`msqc_evosep_pump_hp_pressure_max`), which `metric_names` reads as the same metric.
"""

from __future__ import annotations

from pathlib import Path

from kraken_core.quanting.metrics.output_files import (
    OutputReadError, find_output, mean, read_table, require_rows,
)
from kraken_core.quanting.metrics.plugin import Metrics, MetricsPlugin

TOOL = "MSQC"
RESULTS = "msqc_results.tsv"
# the table's columns, which are also AlphaKraken's metric names
COLUMNS = (
    "ms1_median_injection_time",  # ms
    "ms1_scans",
    "ms1_median_tic",
    "ms2_median_injection_time",  # ms
    "ms2_scans",
    "ms2_median_tic",
    "evosep_pump_hp_pressure_max",  # bar
    "gradient_length",  # minutes (the last retention time)
)


def read_metrics(folder: Path) -> Metrics:
    path = find_output(folder, TOOL, RESULTS)
    table = require_rows(read_table(path, TOOL), path, TOOL)
    metrics = {column: mean(table, column) for column in COLUMNS if column in table.columns}
    if not metrics:
        found = ", ".join(str(c) for c in table.columns if not str(c).startswith("Unnamed"))
        raise OutputReadError(f"{TOOL}: {path} has none of the known columns ({', '.join(COLUMNS)}); it has: "
                              f"{found}. A newer MSQC may have renamed them: add the new names to "
                              f"kraken_core/quanting/metrics/msqc.py")
    return metrics


PLUGIN = MetricsPlugin(metrics_type="msqc", tool=TOOL, outputs=((RESULTS,),), read=read_metrics)
