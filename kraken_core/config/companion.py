"""The companion app's choices an operator makes in the YAML (`companion:`)."""

from __future__ import annotations

from pydantic import Field

from kraken_core.config.base import Section


class CompanionConfig(Section):
    # the overview's metric columns when its address names none: metric names (AlphaKraken's or an older one);
    # empty: the key metrics. The companion refuses to start on a name it does not know.
    overview_columns: list[str] = Field(default_factory=list)
