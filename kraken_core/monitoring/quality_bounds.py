"""Quality metrics of a raw file against the bounds configured for its instrument (a warning, not an error)."""

from __future__ import annotations

from collections.abc import Mapping

from kraken_core.config import KrakenConfig
from kraken_core.config.monitoring import MetricBounds
from kraken_core.quanting.metric_names import alphakraken_name, with_alphakraken_names


def bounds_for(config: KrakenConfig, instrument_id: str) -> dict[str, MetricBounds]:
    instrument = config.instruments.get(instrument_id)
    return dict(instrument.monitoring.quality_bounds) if instrument else {}


def metrics_outside_bounds(metrics: Mapping[str, object], bounds: Mapping[str, MetricBounds]) -> list[str]:
    """One line per metric outside its bounds or missing; an empty list means every bounded metric is fine.

    Metrics and bounds are compared under AlphaKraken's names, so a document or a bound under an older name
    (`ms1_error` for `optimization:ms1_error`) counts the same.
    """
    problems = []
    metrics = with_alphakraken_names(metrics)
    for name, bound in sorted(bounds.items()):
        value = metrics.get(alphakraken_name(name))
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{name}: missing (expected a number)")
        elif bound.min is not None and value < bound.min:
            problems.append(f"{name} = {value:g}, below the floor {bound.min:g}")
        elif bound.max is not None and value > bound.max:
            problems.append(f"{name} = {value:g}, above the ceiling {bound.max:g}")
    return problems
