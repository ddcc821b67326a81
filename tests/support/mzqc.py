"""Checks of exported mzQC documents: the official schema (tests/qc/fixtures) and pymzqc, HUPO-PSI's reader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).parents[1] / "qc" / "fixtures" / "mzqc_schema_v1.0.0.json").read_text())


def schema_errors(document: dict) -> list[str]:
    """Every violation of the mzQC 1.0.0 schema, formats (date-time, uri) included; [] when valid."""
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    assert "uri" in validator.format_checker.checkers, "install rfc3986-validator: URIs would not be checked"
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def read_back(text: str):
    """The document as pymzqc reads it (an `MzQcFile`)."""
    from mzqc import MZQCFile

    return MZQCFile.JsonSerialisable.from_json(text)
