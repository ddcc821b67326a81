"""Metadata builders for materializations, shared by every area: summaries, links, tables, key metrics.

The Dagster UI renders markdown and tables, makes URLs and paths clickable, and plots numeric metadata over
time, so key metrics go in as floats (never strings) under stable names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg

from kraken_core.config.schema import KrakenConfig
from kraken_core.numbers import human_size
from kraken_ui_ext.key_metrics import KEY_METRICS, KeyMetric
from kraken_ui_ext.links import companion_raw_file_url


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_summary(title: str, facts: Mapping[str, Any], note: str | None = None) -> dg.MetadataValue:
    """A short markdown block: a bold title, one line per fact (None values left out), and an optional note."""
    lines = [f"**{_cell(title)}**", ""]
    lines += [f"- {label}: {_cell(value)}" for label, value in facts.items() if value is not None]
    if note:
        lines += ["", note]
    return dg.MetadataValue.md("\n".join(lines))


def markdown_table(intro: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], limit: int = 50) -> dg.MetadataValue:
    """A markdown summary: an intro line, then a table. A column named with a trailing `>` is right-aligned
    (numbers, shown with thousands separators); cells are escaped; at most `limit` rows, then a count of the rest."""
    header = [name.rstrip(">") for name in columns]
    align = ["---:" if name.endswith(">") else "---" for name in columns]
    lines = [intro, "", f"| {' | '.join(header)} |", f"|{'|'.join(align)}|"]
    rows = list(rows)
    for row in rows[:limit]:
        cells = [f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else _cell(v) for v in row]
        lines.append(f"| {' | '.join(cells)} |")
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more")
    return dg.MetadataValue.md("\n".join(lines))


def url_links(**urls: str | None) -> dict[str, dg.MetadataValue]:
    """Clickable links, e.g. `url_links(s3_url=..., companion_page=...)`; None values are left out."""
    return {name: dg.MetadataValue.url(url) for name, url in urls.items() if url}


def raw_file_links(config: KrakenConfig, raw_file_id: str) -> dict[str, dg.MetadataValue]:
    """The link to this raw file's page in the companion app, when `companion_base_url` is configured."""
    if not config.companion_base_url:
        return {}
    return url_links(companion_page=companion_raw_file_url(config.companion_base_url, raw_file_id))


def key_metric_values(metrics: Mapping[str, Any], key_metrics: Sequence[KeyMetric] = KEY_METRICS) -> dict[str, dg.MetadataValue]:
    """Key metrics as floats so the Dagster UI plots them over partitions; missing or NaN metrics are left out.

    Accepts every naming of a metric (`optimization:ms1_error`, the older `ms1_error`, AlphaDIA's
    `optimization.ms1_error`); the key is AlphaKraken's name.
    """
    values = {}
    for metric in key_metrics:
        number = metric.value(metrics)
        if number is not None:
            values[metric.name] = dg.MetadataValue.float(number)
    return values


def metadata_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str]], limit: int = 200) -> dg.MetadataValue:
    """A table from rows of dicts; `columns` are (name, type) with type one of string, int, float, bool."""
    schema = dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in columns])
    records = []
    for row in list(rows)[:limit]:
        records.append(dg.TableRecord({name: row.get(name) for name, _ in columns if row.get(name) is not None}))
    return dg.MetadataValue.table(records=records, schema=schema)


def size_text(size_bytes: int) -> dg.MetadataValue:
    """A size as people read it (`19.1 MB`), beside the exact `size_bytes` the UI plots."""
    return dg.MetadataValue.text(human_size(size_bytes))


def file_info_table(file_info: Mapping[str, Sequence[Any]], limit: int = 200) -> dg.MetadataValue:
    """`file_info` (`{relative path: [size, md5, ...]}`) as a table of file, size in units, bytes, md5."""
    rows = [{"file": rel, "size": human_size(info[0]), "bytes": int(info[0]), "md5": str(info[1])}
            for rel, info in sorted(file_info.items())]
    return metadata_table(rows, [("file", "string"), ("size", "string"), ("bytes", "int"), ("md5", "string")],
                          limit=limit)
