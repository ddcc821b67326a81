"""Projects, settings versions and their assignments in the record: reads and validated writes.

Documents are written in AlphaKraken's shape (`shared/db/models.py` of AlphaKraken v1.0), so AlphaKraken can
read the record again: a settings version has an ObjectId `_id`, a unique `number`, `name` + `version`,
`status` `active` | `inactive`, `job_engine` and `metrics_type`; an assignment has `project`, `settings` (the
version's `_id`), `scope`, `excluded` (instrument ids) and `raw_file_id_filter` (one substring), plus this
platform's `raw_file_id_exclude_filter`, which AlphaKraken ignores. A settings version is never edited: a change
is a new version (auto-incremented per name); an old one is made inactive, not deleted. Forms and tests name a
version by its `_id` or by its label `<name>-v<version>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kraken_core.config.tools import ToolConfig
from kraken_core.quanting.tools import chosen_tool
from kraken_core.safe_paths import UnsafePathError, check_plain_name
from kraken_core.settings_resolution import ALL_SCOPE, VENDOR_NAMES, assignment_view, is_inactive

PROJECT_ID = re.compile(r"^[A-Za-z0-9]{1,16}$")
SETTINGS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CONDA_ENV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")
SLURM_MEM = re.compile(r"^\d{1,7}[KMGT]?$")
SLURM_TIME = re.compile(r"^(\d{1,3}-)?\d{1,2}:\d{2}:\d{2}$")
ACTIVE, INACTIVE = "active", "inactive"
DEFAULT_JOB_ENGINE = "slurm"
LABEL = re.compile(r"^(?P<name>.+)-v(?P<version>\d{1,6})$")


class InvalidInput(ValueError):
    """What was wrong with a write, one message per field, each saying what is expected."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def _int_field(values: Mapping[str, Any], key: str, label: str, low: int, high: int, default: int,
               problems: list[str]) -> int | None:
    raw = _text(values, key) or str(default)
    try:
        number = int(raw)
    except ValueError:
        problems.append(f"{label}: expected a whole number from {low} to {high}, got {raw!r}")
        return None
    if not low <= number <= high:
        problems.append(f"{label}: expected a whole number from {low} to {high}, got {number}")
    return number


def _plain_file_name(values: Mapping[str, Any], key: str, label: str, problems: list[str]) -> str:
    name = _text(values, key)
    if name:
        try:
            check_plain_name(name, label)
        except UnsafePathError as err:
            problems.append(f"{label}: {err}; give a file name inside the settings folder")
    return name


def create_project(db: Database, values: Mapping[str, Any], created_by: str) -> dict[str, Any]:
    project_id, name = _text(values, "project_id"), _text(values, "name")
    problems = []
    if not PROJECT_ID.match(project_id):
        problems.append(
            f"project id: expected 1-16 letters or digits (it is matched as a `_`-separated token of file names), "
            f"got {project_id!r}"
        )
    if not name or len(name) > 64:
        problems.append("project name: expected 1-64 characters")
    description = _text(values, "description")
    if len(description) > 256:
        problems.append("description: expected at most 256 characters")
    if problems:
        raise InvalidInput(problems)
    doc = {"_id": project_id, "name": name, "description": description, "status": ACTIVE,
           "created_by": created_by, "created_at_": datetime.now(UTC)}
    try:
        db.project.insert_one(doc)
    except DuplicateKeyError:
        raise InvalidInput([f"project id: {project_id!r} already exists; choose another id"]) from None
    return doc


def validate_settings(values: Mapping[str, Any], tools: Mapping[str, ToolConfig] | None = None) -> dict[str, Any]:
    """The fields of a settings version from form values, or InvalidInput naming every wrong field.

    AlphaDIA is built in (`software` its conda environment, `config_params` its extra flags); every other tool is
    one of `tools` (the YAML's `quanting.tools`), picked by name in `tool`, with only its declared parameters.
    """
    problems: list[str] = []
    name = _text(values, "name")
    if not SETTINGS_NAME.match(name):
        problems.append(f"settings name: expected letters, digits, '_', '.', '-' (at most 64), got {name!r}")
    tool, tool_problems = chosen_tool(values, tools or {})
    problems += tool_problems
    software_type, software = "alphadia", _text(values, "software")
    if tool is None and not CONDA_ENV.match(software):
        problems.append(f"software: expected the conda environment of AlphaDIA, e.g. alphadia-2.3.0, got {software!r}")
    fasta = _plain_file_name(values, "fasta_file_name", "fasta file", problems)
    speclib = _plain_file_name(values, "speclib_file_name", "spectral library", problems)
    config_file = _plain_file_name(values, "config_file_name", "config file", problems)
    if tool is None and not (fasta or speclib):
        problems.append("fasta file / spectral library: AlphaDIA needs at least one of them")
    config_params = _text(values, "config_params")
    if len(config_params) > 4000:
        problems.append("config params: expected at most 4000 characters")
    mem, time = _text(values, "slurm_mem") or "62G", _text(values, "slurm_time") or "02:00:00"
    if not SLURM_MEM.match(mem):
        problems.append(f"slurm memory: expected a Slurm size such as 62G or 64000M, got {mem!r}")
    if not SLURM_TIME.match(time):
        problems.append(f"slurm time: expected [days-]hours:minutes:seconds such as 02:00:00, got {time!r}")
    cpus = _int_field(values, "slurm_cpus_per_task", "slurm cpus per task", 1, 256, 8, problems)
    threads = _int_field(values, "num_threads", "threads", 1, 256, cpus or 8, problems)
    description = _text(values, "description")
    if len(description) > 512:
        problems.append("description: expected at most 512 characters")
    if problems:
        raise InvalidInput(problems)
    return {
        "name": name, "software_type": software_type, "software": software, "fasta_file_name": fasta,
        "speclib_file_name": speclib, "config_file_name": config_file, "config_params": config_params,
        "metrics_type": "alphadia",
        "job_engine": _text(values, "job_engine") or DEFAULT_JOB_ENGINE, "slurm_cpus_per_task": cpus,
        "slurm_mem": mem, "slurm_time": time, "num_threads": threads, "description": description, **(tool or {}),
    }


def settings_label(settings: Mapping[str, Any]) -> str:
    """How people name a settings version: `<name>-v<version>`."""
    return f"{settings.get('name')}-v{settings.get('version', 1)}"


def settings_view(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A settings version with AlphaKraken's defaults for fields its older documents lack."""
    view = dict(settings)
    view.setdefault("version", 1)
    view["software_type"] = view.get("software_type") or "alphadia"
    view["metrics_type"] = view.get("metrics_type") or view["software_type"]
    view["job_engine"] = view.get("job_engine") or DEFAULT_JOB_ENGINE
    return view


def find_settings(db: Database, key: Any, projection: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """A settings version by `_id` (ObjectId, its hex text, or this platform's older string id) or by label."""
    if isinstance(key, ObjectId):
        return db.settings.find_one({"_id": key}, projection)
    text = str(key or "").strip()
    if not text:
        return None
    if ObjectId.is_valid(text):
        found = db.settings.find_one({"_id": ObjectId(text)}, projection)
        if found is not None:
            return found
    found = db.settings.find_one({"_id": text}, projection)
    if found is None and (match := LABEL.match(text)):
        found = db.settings.find_one({"name": match["name"], "version": int(match["version"])}, projection)
    return found


def create_settings_version(db: Database, values: Mapping[str, Any], created_by: str,
                            tools: Mapping[str, ToolConfig] | None = None) -> dict[str, Any]:
    """Insert the next version of `name` (1 for a new name) with the next `number`; a concurrent insert retries.
    `tools`: the YAML's `quanting.tools` a settings version may pick."""
    fields = validate_settings(values, tools)
    for _ in range(5):
        latest = db.settings.find_one({"name": fields["name"]}, {"version": 1}, sort=[("version", -1)])
        version = (latest or {}).get("version", 0) + 1
        if db.settings.find_one({"name": fields["name"], "version": version}, {"_id": 1}) is not None:
            continue
        highest = db.settings.find_one({"number": {"$type": "number"}}, {"number": 1}, sort=[("number", -1)])
        number = max(int((highest or {}).get("number", 0)), 0) + 1
        doc = {"_id": ObjectId(), "number": number, **fields, "version": version, "status": ACTIVE,
               "created_by": created_by, "created_at_": datetime.now(UTC)}
        try:
            db.settings.insert_one(doc)
            return doc
        except DuplicateKeyError:
            continue
    raise InvalidInput([f"settings {fields['name']}: could not pick a new version; try again"])


def archive_settings(db: Database, settings_id: Any) -> None:
    """Make a settings version inactive (AlphaKraken's word): it no longer applies and cannot be assigned."""
    found = find_settings(db, settings_id, {"_id": 1})
    if found is None:
        raise InvalidInput([f"settings {settings_id!r} do not exist"])
    db.settings.update_one({"_id": found["_id"]}, {"$set": {"status": INACTIVE, "inactive_at_": datetime.now(UTC)}})


def _split_list(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw or "").replace("\n", ",").split(",")
    return [item.strip() for item in items if str(item).strip()]


def assign_settings(
    db: Database, values: Mapping[str, Any], instrument_vendors: Mapping[str, str], created_by: str
) -> dict[str, Any]:
    """Assign a settings version to a project for all instruments, one vendor or one instrument.

    `scope_type` is all | vendor | instrument with `scope` (or `scope_vendor` / `scope_instrument`) naming the
    vendor or instrument; `excluded_instruments`, `raw_file_id_filter` (one substring of the raw file id, as in
    AlphaKraken) and `raw_file_id_exclude_filter` (comma-separated substrings) narrow it.
    """
    problems: list[str] = []
    project_id, settings_id = _text(values, "project_id"), values.get("settings_id")
    project = db.project.find_one({"_id": project_id}, {"_id": 1})
    settings = find_settings(db, settings_id, {"status": 1, "software_type": 1, "name": 1, "version": 1})
    if project is None:
        problems.append(f"project: {project_id!r} does not exist; create it first")
    if settings is None:
        problems.append(f"settings: {str(settings_id or '')!r} do not exist")
    elif is_inactive(settings):
        problems.append(f"settings: {settings_label(settings)} are inactive; assign an active version")
    scope_type = _text(values, "scope_type") or "all"
    scope = _text(values, "scope") or _text(values, f"scope_{scope_type}")
    if scope_type == "all":
        scope = ALL_SCOPE
    elif scope_type == "vendor" and scope not in VENDOR_NAMES:
        problems.append(f"vendor: expected one of {', '.join(sorted(VENDOR_NAMES))}, got {scope!r}")
    elif scope_type == "instrument" and scope not in instrument_vendors:
        problems.append(f"instrument: expected one of {', '.join(sorted(instrument_vendors))}, got {scope!r}")
    elif scope_type not in ("all", "vendor", "instrument"):
        problems.append(f"scope: expected all, vendor or instrument, got {scope_type!r}")
    excluded = _split_list(values.get("excluded_instruments"))
    unknown = [i for i in excluded if i not in instrument_vendors]
    if unknown:
        problems.append(f"excluded instruments: unknown instrument(s) {', '.join(unknown)}")
    include, exclude = _split_list(values.get("raw_file_id_filter")), _split_list(values.get("raw_file_id_exclude_filter"))
    if len(include) > 1:
        problems.append(f"file-name filter: expected one substring of the raw file name (AlphaKraken's filter), "
                        f"got {len(include)}: {', '.join(include)}; make one assignment per substring")
    if any(len(part) > 64 for part in include + exclude):
        problems.append("file-name filter: each part at most 64 characters")
    if problems:
        raise InvalidInput(problems)
    doc = {
        "_id": ObjectId(), "project": project_id, "settings": settings["_id"], "scope": scope, "excluded": excluded,
        "raw_file_id_filter": include[0] if include else "", "raw_file_id_exclude_filter": exclude,
        "created_by": created_by, "created_at_": datetime.now(UTC),
    }
    db.project_settings.insert_one(doc)
    return doc


def remove_assignment(db: Database, assignment_id: str) -> None:
    try:
        key = ObjectId(assignment_id)
    except Exception:  # noqa: BLE001 - any malformed id is the same mistake for the user
        raise InvalidInput([f"assignment {assignment_id!r} does not exist"]) from None
    if db.project_settings.delete_one({"_id": key}).deleted_count != 1:
        raise InvalidInput([f"assignment {assignment_id!r} does not exist"])


def list_projects(db: Database) -> list[dict[str, Any]]:
    return list(db.project.find({}).sort("_id", 1))


def list_settings(db: Database) -> list[dict[str, Any]]:
    return [settings_view(s) for s in db.settings.find({}).sort([("name", 1), ("version", -1)])]


def newest_active_version(db: Database, name: str) -> dict[str, Any] | None:
    """The highest version of the settings called `name` that is not inactive, if any."""
    return db.settings.find_one({"name": name, "status": {"$ne": "inactive"}}, sort=[("version", -1)])


def settings_versions(db: Database, settings_ids: Iterable[Any]) -> list[dict[str, Any]]:
    """These settings versions, each with AlphaKraken's defaults for fields older documents lack, in one query."""
    ids = list(settings_ids)
    return [settings_view(s) for s in db.settings.find({"_id": {"$in": ids}})] if ids else []


def project_assignments(db: Database, project_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The assignments (read views, see `assignment_view`) of these projects, oldest first.

    AlphaKraken's `project` field (this platform's older documents carry it beside `project_id`).
    """
    query = {} if project_ids is None else {"project": {"$in": list(project_ids)}}
    return [assignment_view(a) for a in db.project_settings.find(query).sort("created_at_", 1)]
