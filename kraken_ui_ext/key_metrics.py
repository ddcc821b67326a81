"""The quality metrics scientists look at first, with how to read them (unit, which direction is better)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kraken_core.numbers import finite_number
from kraken_core.quanting.metric_names import MSQC_LEGACY_PREFIX, legacy_names_of


@dataclass(frozen=True)
class KeyMetric:
    name: str  # the name shown and used in metadata and URLs
    label: str
    unit: str = ""
    higher_is_better: bool | None = True  # None: neither direction is better (e.g. gradient length)
    digits: int = 0
    aliases: tuple[str, ...] = ()  # other field names of the same metric in `metrics` documents
    tool: str = ""  # which tool's metrics plugin gives it (the trends' metric list groups by it); "" for several

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def value(self, doc: Mapping[str, Any]) -> float | None:
        """The metric from a `metrics` document under any of its field names, as a finite float or None."""
        for field in self.fields:
            number = finite_number(doc.get(field))
            if number is not None:
                return float(number)
        return None


def _metric(name: str, label: str, unit: str = "", **kwargs: Any) -> KeyMetric:
    """A metric under AlphaKraken's name; this platform's older names and AlphaDIA's dotted column names are
    aliases (`kraken_core.quanting.metric_names`), so documents written under any of them read as one series."""
    return KeyMetric(name, label, unit, aliases=legacy_names_of(name), **kwargs)


KEY_METRICS: tuple[KeyMetric, ...] = (
    _metric("proteins", "Proteins"),
    _metric("precursors", "Precursors"),
    _metric("fwhm_rt", "FWHM RT", "s", higher_is_better=False, digits=2),
    _metric("optimization:ms1_error", "MS1 error", "ppm", higher_is_better=False, digits=2),
    _metric("optimization:ms2_error", "MS2 error", "ppm", higher_is_better=False, digits=2),
    _metric("gradient_length", "Gradient", "min", higher_is_better=None, digits=1),
)

def _tool_metrics(tool: str, *metrics: KeyMetric, older_prefix: str = "") -> tuple[KeyMetric, ...]:
    """The metrics of one tool; `older_prefix`: the tool's metrics were once stored with it (an alias each)."""
    older = (lambda m: (f"{older_prefix}{m.name}",)) if older_prefix else (lambda m: ())
    return tuple(replace(m, tool=tool, aliases=(*m.aliases, *older(m))) for m in metrics)


# The trends' metrics: AlphaDIA's, then each tool's under AlphaKraken's names (its webapp's columns_config.yaml);
# `proteins`, `precursors`, `fwhm_rt` and `gradient_length` are shared by several tools, as in AlphaKraken.
TREND_METRICS: tuple[KeyMetric, ...] = (
    *KEY_METRICS,
    *_tool_metrics(
        "AlphaDIA",
        _metric("fwhm_mobility", "FWHM mobility", higher_is_better=False, digits=4),
        _metric("optimization:rt_error", "RT error", "s", higher_is_better=False, digits=2),
        _metric("optimization:mobility_error", "Mobility error", higher_is_better=False, digits=4),
        _metric("calibration:ms1_bias", "MS1 bias", "ppm", higher_is_better=None, digits=2),
        _metric("calibration:ms2_bias", "MS2 bias", "ppm", higher_is_better=None, digits=2),
        _metric("precursor_intensity_median", "Precursor intensity (median)", higher_is_better=True, digits=0),
        _metric("duration_total", "Quant duration", "min", higher_is_better=False, digits=1),
    ),
    *_tool_metrics(
        "MSQC",
        _metric("evosep_pump_hp_pressure_max", "Evosep pump pressure (max)", "bar", higher_is_better=False),
        _metric("ms1_median_injection_time", "MS1 injection time (median)", "ms", higher_is_better=None, digits=2),
        _metric("ms2_median_injection_time", "MS2 injection time (median)", "ms", higher_is_better=None, digits=2),
        _metric("ms1_scans", "MS1 scans", higher_is_better=None),
        _metric("ms2_scans", "MS2 scans", higher_is_better=None),
        _metric("ms1_median_tic", "MS1 TIC (median)", higher_is_better=True),
        _metric("ms2_median_tic", "MS2 TIC (median)", higher_is_better=True),
        older_prefix=MSQC_LEGACY_PREFIX,
    ),
    *_tool_metrics(
        "DIA-NN",
        _metric("fwhm_scans", "FWHM scans", higher_is_better=False, digits=2),
        _metric("median_precursor_rt", "Precursor RT (median)", "min", higher_is_better=None, digits=2),
        _metric("total_quantity", "Total quantity", higher_is_better=True),
        _metric("ms1_signal", "MS1 signal", higher_is_better=True),
        _metric("ms2_signal", "MS2 signal", higher_is_better=True),
        _metric("median_mass_acc_ms1", "MS1 mass accuracy (median)", "ppm", higher_is_better=False, digits=2),
        _metric("median_mass_acc_ms1_corrected", "MS1 mass accuracy, corrected", "ppm", higher_is_better=False,
                digits=2),
        _metric("median_mass_acc_ms2", "MS2 mass accuracy (median)", "ppm", higher_is_better=False, digits=2),
        _metric("median_mass_acc_ms2_corrected", "MS2 mass accuracy, corrected", "ppm", higher_is_better=False,
                digits=2),
        _metric("normalisation_instability", "Normalisation instability", higher_is_better=False, digits=3),
        _metric("median_rt_prediction_acc", "RT prediction accuracy (median)", higher_is_better=None, digits=3),
        _metric("average_peptide_length", "Peptide length (mean)", higher_is_better=None, digits=1),
        _metric("average_peptide_charge", "Peptide charge (mean)", higher_is_better=None, digits=2),
        _metric("average_missed_tryptic_cleavages", "Missed cleavages (mean)", higher_is_better=False, digits=3),
    ),
    *_tool_metrics(
        "Skyline",
        _metric("irt_delta_rt_mean", "iRT ΔRT (mean)", "min", higher_is_better=False, digits=2),
        _metric("irt_delta_rt_max", "iRT ΔRT (max)", "min", higher_is_better=False, digits=2),
        _metric("irt_mean_total_area_median", "iRT peak area (median)", higher_is_better=True),
        _metric("irt_cv_total_area_mean", "iRT area CV (mean)", higher_is_better=False, digits=3),
        _metric("irt_cv_total_area_max", "iRT area CV (max)", higher_is_better=False, digits=3),
        _metric("irt_n_heavy_peptides", "iRT heavy peptides", higher_is_better=True),
        _metric("irt_n_light_peptides", "iRT light peptides", higher_is_better=True),
    ),
    _metric("time_elapsed", "Job time", "s", higher_is_better=False, digits=0),
)

METRICS_BY_NAME = {metric.name: metric for metric in TREND_METRICS}


