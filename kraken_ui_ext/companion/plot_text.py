"""Text for plotly.js figures: plotly renders hover labels, legends and titles as a small subset of HTML, so every
text from the record (raw file names, projects, annotation texts) is escaped before it reaches a figure."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

from kraken_ui_ext.companion.svg_plot import format_number


def plot_text(value: object) -> str:
    return escape(str(value if value is not None else ""), quote=False)


def raw_file_url(root: str, raw_file_id: str) -> str:
    """The raw file's companion page, opened by a click on its point."""
    return f"{root}/raw_files/{quote(raw_file_id, safe='')}"


def hover_number(value: float | None) -> str:
    return "" if value is None else format_number(value)


def plot_time(at: datetime) -> str:
    """A time on a plotly date axis (which knows no zones): UTC, as every page of the companion shows times."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
