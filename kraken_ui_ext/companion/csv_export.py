"""CSV of the overview's filtered rows, with the same columns a scientist sees (plus the Dagster link).

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a
formula, and file names, projects and status details come from people: such a cell is written with a leading `'`
(OWASP's rule against CSV injection), so it opens as the text it is. Numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from kraken_core.numbers import finite_number
from kraken_ui_ext.companion.overview import OverviewRow
from kraken_ui_ext.key_metrics import KEY_METRICS, KeyMetric
from kraken_ui_ext.links import dagster_partition_url, partition_absence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")



def header(metrics: Sequence[KeyMetric] = KEY_METRICS) -> list[str]:
    return ["raw_file", "instrument", "project", "status", "status_details", "size_bytes", "acquired_at",
            "lag_minutes", "eta", *(m.name for m in metrics), "settings", "dagster_url"]


def neutralised(cell: object) -> object:
    """The cell as a spreadsheet should show it: text that would start a formula gets a leading `'`."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) and finite_number(cell) is None:
        return "'" + cell
    return cell


def overview_csv(rows: Iterable[OverviewRow], webserver_base_url: str,
                 metrics: Sequence[KeyMetric] = KEY_METRICS) -> str:
    """The rows with the metric columns shown on the overview; `dagster_url` only for raw files whose partition
    exists (empty while a file is being acquired)."""
    now = datetime.now(UTC)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(metrics))
    for row in rows:
        doc = row.doc
        writer.writerow(neutralised(cell) for cell in [
            row.raw_file_id, doc.get("instrument_id"), doc.get("project_id"), doc.get("status"),
            doc.get("status_details") or "", doc.get("size") if doc.get("size") is not None else "",
            row.acquired.isoformat() if row.acquired else "",
            f"{row.lag.total_seconds() / 60:.1f}" if row.lag is not None else "",
            row.eta.isoformat() if row.eta is not None else "",
            *("" if row.metrics.get(m.name) is None else f"{row.metrics[m.name]:g}" for m in metrics),
            row.settings or "",
            "" if partition_absence(doc, now, None) else dagster_partition_url(webserver_base_url, row.raw_file_id),
        ])
    return out.getvalue()
