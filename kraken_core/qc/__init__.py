"""Statistical process control of QC series: Levey-Jennings baselines, Westgard rules and a tabular CUSUM on the
quality metrics of the QC raw files of each instrument, and the maintenance annotations that start new baselines.
Plain functions, no Dagster and no database: `kraken_core/record/qc_series.py` reads the points, and the asset
check `qc_series_in_control` (kraken_assets/qc_checks.py) wires the verdict to the `quality_metrics` partition."""
