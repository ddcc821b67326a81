"""The metrics plugins by `metrics_type` (AlphaKraken's MetricsTypes): which plugin reads a job's output."""

from __future__ import annotations

from kraken_core.quanting.metrics import alphadia, custom, diann, msqc, skyline
from kraken_core.quanting.metrics.plugin import MetricsPlugin

PLUGINS: dict[str, MetricsPlugin] = {
    plugin.metrics_type: plugin
    for plugin in (alphadia.PLUGIN, msqc.PLUGIN, diann.PLUGIN, skyline.PLUGIN, custom.PLUGIN)
}


class UnknownMetricsType(ValueError):
    """A settings version names a `metrics_type` no plugin reads."""


def plugin_for(metrics_type: str) -> MetricsPlugin:
    try:
        return PLUGINS[metrics_type]
    except KeyError:
        raise UnknownMetricsType(f"no metrics plugin for metrics_type {metrics_type!r}; known: "
                                 f"{', '.join(PLUGINS)}. Fix the settings' metrics_type") from None
