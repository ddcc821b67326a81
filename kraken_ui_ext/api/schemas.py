"""JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of the REST API's answers; the tests check every answer
against them."""

from __future__ import annotations

from typing import Any

TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with Z"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
TEXT = {"type": ["string", "null"]}
NUMBER = {"type": ["number", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object", "description": description,
        "required": ["total", "offset", "limit", "count", "next_offset", "data"],
        "properties": {
            "total": {"type": ["integer", "null"], "description": "How many match (null: not counted)."},
            "offset": {"type": "integer"}, "limit": {"type": "integer"},
            "count": {"type": "integer", "description": "How many are in `data`."},
            "next_offset": {"type": ["integer", "null"], "description": "The next page's offset; null on the last."},
            "data": {"type": "array", "items": _ref(item)},
            **extra,
        },
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object", "required": ["error", "detail"],
        "properties": {
            "error": {"type": "string", "description": "bad_parameter, unauthorized, forbidden, not_found, "
                                                       "method_not_allowed or record_unavailable"},
            "detail": {"type": "string", "description": "What happened and what to do."},
            "parameter": {"type": "string", "description": "The query parameter that was refused."},
        },
    },
    "Health": {
        "type": "object", "required": ["status", "record"],
        "properties": {"status": {"type": "string"}, "record": {"type": "string"}, "time": TIME},
    },
    "Metrics": {
        "type": "object", "additionalProperties": True,
        "description": "A `metrics` document: the tool, the settings and every metric under AlphaKraken's names.",
        "properties": {"type": TEXT, "settings_name": TEXT, "settings_version": {}, "created_at_": NULLABLE_TIME},
    },
    "RawFile": {
        "type": "object", "additionalProperties": True, "required": ["id"],
        "description": "A `raw_file` document under AlphaKraken's field names.",
        "properties": {
            "id": {"type": "string"}, "original_name": TEXT, "instrument_id": TEXT, "project_id": TEXT,
            "status": TEXT, "status_details": TEXT, "size": {"type": ["integer", "number", "null"]},
            "backup_status": TEXT, "created_at": NULLABLE_TIME, "updated_at_": NULLABLE_TIME,
            "file_info": {"type": ["object", "null"]}, "backup_base_path": TEXT,
            "metrics": {"type": "array", "items": _ref("Metrics")},
        },
    },
    "RawFilePage": _page("RawFile", "A page of raw files, newest first.",
                         truncated={"type": "boolean", "description": "The walk stopped early; narrow the filters."},
                         detail={"type": "string"}),
    "MetricsPage": _page("Metrics", "The metrics documents of one raw file, newest first.",
                         raw_file={"type": "string"}),
    "Instrument": {
        "type": "object", "required": ["id", "vendor"],
        "properties": {
            "id": {"type": "string"}, "vendor": {"type": "string"}, "status": TEXT, "status_details": TEXT,
            "free_space_gb": NUMBER, "heartbeat_at": NULLABLE_TIME,
            "newest_raw_file": {"type": ["object", "null"], "properties": {
                "id": {"type": "string"}, "created_at": NULLABLE_TIME, "status": TEXT}},
        },
    },
    "InstrumentPage": _page("Instrument", "The configured instruments, by id."),
    "Violation": {
        "type": "object", "required": ["metric", "rule", "severity"],
        "properties": {
            "metric": {"type": "string"}, "rule": {"type": "string"},
            "severity": {"type": "string", "enum": ["ERROR", "WARN"]}, "side": {"type": "string"},
            "raw_files": {"type": "array", "items": {"type": "string"}},
            "values": {"type": "array", "items": NUMBER}, "z_scores": {"type": "array", "items": {"type": "number"}},
            "description": {"type": "string"},
        },
    },
    "MetricJudgement": {
        "type": "object", "required": ["metric", "state"],
        "properties": {
            "metric": {"type": "string"},
            "state": {"type": "string", "enum": ["in_control", "out_of_control", "baseline", "not_judged"]},
            "value": NUMBER, "z_score": NUMBER, "note": TEXT,
            "baseline": {"type": ["object", "null"], "properties": {
                "mean": NUMBER, "sd": NUMBER, "files": {"type": "integer"}, "first": TIME, "last": TIME}},
        },
    },
    "QcSeriesStatus": {
        "type": "object", "required": ["series", "instrument_id", "state", "violations", "metrics"],
        "properties": {
            "series": {"type": "string"}, "raw_file_pattern": {"type": "string"}, "instrument_id": {"type": "string"},
            "settings_name": TEXT, "settings_version": {},
            "state": {"type": "string", "enum": ["out_of_control", "in_control", "baseline", "not_judged"]},
            "newest_raw_file": {"type": ["object", "null"], "properties": {
                "id": {"type": "string"}, "acquired_at": TIME}},
            "note": TEXT, "summary": {"type": "string"},
            "violations": {"type": "array", "items": _ref("Violation")},
            "metrics": {"type": "array", "items": _ref("MetricJudgement")},
        },
    },
    "QcStatusPage": _page("QcSeriesStatus", "QC series by name, instrument and settings.",
                          detail={"type": "string"}),
    "Annotation": {
        "type": "object", "required": ["id", "instrument_id", "kind", "occurred_at"],
        "properties": {
            "id": {"type": "string"}, "instrument_id": {"type": "string"}, "kind": {"type": "string"},
            "occurred_at": TIME, "text": TEXT, "created_by": TEXT, "created_at_": NULLABLE_TIME,
        },
    },
    "AnnotationPage": _page("Annotation", "Instrument annotations, newest first."),
}
