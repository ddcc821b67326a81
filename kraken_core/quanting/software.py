"""Which tool a settings version runs and how its output is read, with AlphaKraken's default for older documents.

Settings versions written before software types existed have no `software_type`: they are AlphaDIA, as in
AlphaKraken. `metrics_type` says which metrics reader reads the output; it defaults to the software type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_SOFTWARE_TYPE = "alphadia"
# AlphaKraken's software types (`shared/keys.py` SoftwareTypes, plus DIA-NN) and the readers of their output
SOFTWARE_TYPES = ("alphadia", "msqc", "diann", "skyline", "custom")
METRICS_TYPES = ("alphadia", "msqc", "diann", "skyline", "custom")


def software_type(settings: Mapping[str, Any]) -> str:
    return settings.get("software_type") or DEFAULT_SOFTWARE_TYPE


def metrics_type(settings: Mapping[str, Any]) -> str:
    return settings.get("metrics_type") or software_type(settings)


def output_folder_name(settings: Mapping[str, Any], resolved: Iterable[Mapping[str, Any]]) -> str:
    """`<software_type>`, or `<software_type>_<settings name>` when several settings of a raw file share a software
    type (their outputs must not land in one folder)."""
    own = software_type(settings)
    shared = sum(1 for other in resolved if software_type(other) == own) > 1
    return f"{own}_{settings['name']}" if shared else own


def job_entry(settings: Mapping[str, Any], output: Any, **fields: Any) -> dict[str, Any]:
    """One item of `raw_file.quanting_jobs`: which settings version ran where; `fields` add the job's state."""
    return {
        "settings_id": settings["_id"], "settings_name": settings["name"], "settings_version": settings["version"],
        "software_type": software_type(settings), "metrics_type": metrics_type(settings),
        "output_path": str(output), "ended_at": None, **fields,
    }
