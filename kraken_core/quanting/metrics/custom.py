"""The metrics plugin of custom tools: the metrics the tool writes itself, as `metrics.json` or `metrics.tsv`.

AlphaKraken leaves custom metrics to code added to its plugin (none by default: a custom tool that exits 0 is
done, with `time_elapsed` as its only metric). Here a custom tool may hand metrics over in its output folder, so
no code changes per tool:

- `metrics.json`: one JSON object of metric name -> number, e.g. `{"peaks": 5120, "tic_median": 2.1e9}`;
- `metrics.tsv`: two tab-separated columns, name and number, one metric a line (a first line `name<TAB>value`
  whose value is not a number is taken as a header).

A value that is not a finite number (text, null, NaN, Infinity, a nested object) is stored as None. A `.` in a name
becomes `:` (MongoDB field names cannot hold dots, AlphaKraken's rule). Names the record uses itself (`raw_file`,
`settings_name`, `time_elapsed`, ...), empty names, names starting with `$` and repeated names are refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from kraken_core.numbers import finite_number
from kraken_core.quanting.metrics.output_files import OutputReadError, find_output, read_table
from kraken_core.quanting.metrics.plugin import RECORD_FIELDS, Metrics, MetricsPlugin

TOOL = "custom tool"
JSON = "metrics.json"
TSV = "metrics.tsv"


def _pairs_from_json(path: Path) -> list[tuple[str, object]]:
    try:
        data = json.loads(path.read_text(errors="replace"))
    except ValueError as err:
        raise OutputReadError(f"{TOOL}: {path} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise OutputReadError(f"{TOOL}: {path} must hold one JSON object of metric name -> number, not "
                              f"{type(data).__name__}")
    return list(data.items())


def _pairs_from_tsv(path: Path) -> list[tuple[str, object]]:
    table = read_table(path, TOOL, header=None, dtype=str, keep_default_na=False)
    if table.shape[1] != 2:
        raise OutputReadError(f"{TOOL}: {path} must have two tab-separated columns (name, value); it has "
                              f"{table.shape[1]}")
    pairs = list(zip(table[0], table[1], strict=True))
    return pairs[1:] if pairs and not _spells_a_number(pairs[0][1]) else pairs


def _spells_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _field(name: object, path: Path) -> str:
    field = str(name).strip().replace(".", ":")
    if not field or field.startswith("$") or "\0" in field:
        raise OutputReadError(f"{TOOL}: {path} has a metric name MongoDB cannot store: {name!r}")
    if field in RECORD_FIELDS:
        raise OutputReadError(f"{TOOL}: {path} names a metric {field!r}, a field the record sets itself; rename it "
                              f"in the tool")
    return field


def read_metrics(folder: Path) -> Metrics:
    """The tool's metrics; none when it wrote neither file."""
    if not any((folder / name).is_file() for name in (JSON, TSV)):
        return {}
    path = find_output(folder, TOOL, JSON, TSV)
    pairs = _pairs_from_json(path) if path.name == JSON else _pairs_from_tsv(path)
    metrics: Metrics = {}
    for name, value in pairs:
        field = _field(name, path)
        if field in metrics:
            raise OutputReadError(f"{TOOL}: {path} names the metric {field!r} twice")
        metrics[field] = finite_number(value)
    return metrics


PLUGIN = MetricsPlugin(metrics_type="custom", tool=TOOL, outputs=(), read=read_metrics)
