"""Maintenance annotations drawn on a plotly figure: a vertical line at the time of the event with its kind as a
label, the text and who recorded it on hover. A kind that starts a new QC baseline is drawn solid and says so."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kraken_core.record.timestamps import record_datetime
from kraken_ui_ext.companion.plot_text import plot_text

RESET_COLOUR = "#c62828"
EVENT_COLOUR = "#6a1b9a"


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def sequence_position(times: Sequence[datetime]) -> Callable[[datetime], float]:
    """On a by-sequence axis an event sits between the last file before it and the first file after it."""
    return lambda at: bisect_left(times, at) - 0.5


def annotation_markers(annotations: Iterable[Mapping[str, Any]], reset_kinds: Iterable[str],
                       x_of: Callable[[datetime], Any]) -> tuple[list[dict], list[dict]]:
    """Plotly `layout.shapes` and `layout.annotations` for the instrument's annotations."""
    resetting = {str(kind) for kind in reset_kinds}
    shapes, labels = [], []
    for doc in annotations:
        at = record_datetime(doc.get("occurred_at"))
        if at is None:
            continue
        kind = str(doc.get("kind", ""))
        resets = kind in resetting
        colour = RESET_COLOUR if resets else EVENT_COLOUR
        x = x_of(at)
        label = kind_label(kind) + (" · new baseline" if resets else "")
        hover = f"{at:%Y-%m-%d %H:%M} UTC {kind_label(kind)}"
        if doc.get("text"):
            hover += f": {doc['text']}"
        if doc.get("created_by"):
            hover += f" ({doc['created_by']})"
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"color": colour, "width": 2 if resets else 1.5, "dash": "solid" if resets else "dot"}})
        labels.append({"x": x, "xref": "x", "yref": "paper", "y": 1, "yanchor": "bottom", "showarrow": False,
                       "text": plot_text(label), "hovertext": plot_text(hover), "font": {"size": 11, "color": colour},
                       "bgcolor": "rgba(255,255,255,0.85)", "name": "annotation"})
    return shapes, labels
