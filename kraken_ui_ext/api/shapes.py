"""The JSON the REST API answers with: record documents under AlphaKraken's field names, times in UTC ISO 8601
with `Z`, no value JSON cannot hold (NaN and infinities become null)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from kraken_core.quanting.metric_names import with_alphakraken_names

# bookkeeping of the record that is not the raw file's business (AlphaKraken's API leaves out `_id` and
# `created_at_` too); the file listing and backup folder only on request, as in AlphaKraken's API
RAW_FILE_HIDDEN = {"_id", "created_at_", "catch_up_run_id", "results_request"}
FILE_INFO_FIELDS = {"file_info", "backup_base_path"}
METRICS_HIDDEN = {"_id", "raw_file"}


def utc_text(value: datetime) -> str:
    """`2026-03-02T13:30:00.250000Z`: UTC, microseconds only when there are any."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def plain(value: Any) -> Any:
    """A record value as JSON can hold it."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def raw_file_json(doc: Mapping[str, Any], *, file_info: bool = False,
                  metrics: list[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """A `raw_file` document as AlphaKraken's API shows it: `id` first, then its fields; `metrics` when given."""
    hidden = RAW_FILE_HIDDEN if file_info else RAW_FILE_HIDDEN | FILE_INFO_FIELDS
    shown = {"id": doc["_id"], **{k: plain(v) for k, v in doc.items() if k not in hidden}}
    if metrics is not None:
        shown["metrics"] = [metrics_json(m) for m in metrics]
    return shown


def metrics_json(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A `metrics` document: the tool (`type`), settings, when it was written (`created_at_`) and every metric
    under AlphaKraken's names."""
    return {k: plain(v) for k, v in with_alphakraken_names(doc).items() if k not in METRICS_HIDDEN}


def annotation_json(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": str(doc["_id"]), **{k: plain(v) for k, v in doc.items() if k != "_id"}}


def page_json(data: list[Any], *, offset: int, limit: int, total: int | None, has_more: bool,
              **extra: Any) -> dict[str, Any]:
    """A page of a list: AlphaKraken's `total`, `offset`, `limit`, `data`, and where the next page starts."""
    return {"total": total, "offset": offset, "limit": limit, "count": len(data),
            "next_offset": offset + len(data) if has_more else None, **extra, "data": data}
