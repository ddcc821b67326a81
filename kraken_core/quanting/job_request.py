"""What is handed to the job script for one (raw file, settings): every path as the cluster sees it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from kraken_core.config.schema import KrakenConfig
from kraken_core.config.tools import ToolConfig
from kraken_core.quanting.cluster_paths import cluster_path, cluster_root, location
from kraken_core.quanting.command_tokens import fill_words, parameter_token, shell_command, template_words
from kraken_core.quanting.software import metrics_type, software_type
from kraken_core.quanting.tools import missing_settings_files, refusal_of_own_command, tool_parameters
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_relpath
from kraken_core.safe_paths import check_plain_name, safe_join

JOB_SCRIPT_NAME = "submit_job.sh"
JOB_SCRIPT = Path(__file__).with_name(JOB_SCRIPT_NAME)
TMP_RAW_DIR_NAME = "tmp_raw_data"
SCIEX_PARTS = (".wiff", ".wiff2", ".wiff.scan", ".timeseries.data")


FALLBACK_PROJECT_ID = "_FALLBACK"
DEFAULT_SLURM_MEM = "8G"
DEFAULT_SLURM_TIME = "01:00:00"


class SettingsError(ValueError):
    """A settings document cannot be turned into a job."""


@dataclass(frozen=True)
class JobRequest:
    raw_file_id: str
    settings: dict
    job_name: str
    output_worker: Path
    output_cluster: PurePosixPath
    log_dir_worker: Path
    log_dir_cluster: PurePosixPath
    environment: dict[str, str]

    @property
    def settings_label(self) -> str:
        return f"{self.settings['name']} v{self.settings['version']}"


def job_name(raw_file_id: str, settings: dict) -> str:
    """A name Slurm shows: safe characters only, whatever the file is called."""
    clean = re.sub(r"[^A-Za-z0-9_.+-]", "_", raw_file_id)[:80]
    return f"ak_{clean}_{re.sub(r'[^A-Za-z0-9_.-]', '_', settings['name'])[:30]}"


def settings_folder(config: KrakenConfig, settings: dict) -> Path:
    """`<settings>/<settings name>`: the config, spectral library and fasta files of these settings."""
    return safe_join(location(config, "settings").path, check_plain_name(settings["name"], "settings name"))


def job_log_dir(config: KrakenConfig, now: datetime) -> Path:
    return location(config, "slurm").path / "jobs" / now.strftime("%Y_%m")


def raw_file_cluster_path(config: KrakenConfig, doc: dict) -> PurePosixPath:
    raw = RawFileLocation.from_doc(doc)
    worker = safe_join(backup_base_path(config, raw), backup_relpath(raw, raw.original_name))
    return cluster_path(config, "backup", worker)


def _relative(path, base) -> PurePosixPath:
    return PurePosixPath(PurePosixPath(path).relative_to(PurePosixPath(base)))


def _settings_file(settings_cluster: PurePosixPath, name: str) -> str:
    return f"{settings_cluster}/{name}" if name else ""


def _file_name(settings: dict, key: str) -> str:
    name = settings.get(key) or ""
    if name:
        check_plain_name(name, f"settings {settings['name']} {key}")
    return name


def _tool_command(config: KrakenConfig, settings: dict, tokens: dict[str, str]) -> tuple[ToolConfig, list[str]]:
    """The YAML tool these settings pick, and its command as words: executable, then the filled arguments."""
    name = settings.get("tool")
    if not name:
        raise SettingsError(refusal_of_own_command(settings))
    tool = config.quanting.tools.get(name)
    if tool is None:
        raise SettingsError(f"settings {settings['name']} v{settings['version']}: tool {name!r} is not defined in "
                            f"quanting.tools of the configuration (defined: {', '.join(config.quanting.tools) or 'none'}"
                            f"); define it there, or make these settings inactive")
    values, problems = tool_parameters(name, tool, settings.get("tool_parameters") or {})
    problems += missing_settings_files(name, tool, settings)
    if problems:
        raise SettingsError(f"settings {settings['name']} v{settings['version']} no longer fit tool {name} as "
                            f"quanting.tools defines it: {'; '.join(problems)}; create a new settings version")
    words = {**tokens, **{parameter_token(key): str(value) for key, value in values.items()}}
    executable = tool.executable if tool.conda_env else f"{_software_root(config)}/{tool.executable}"
    return tool, [executable, *fill_words(template_words(tool.arguments), words)]


def _software_root(config: KrakenConfig) -> str:
    return str(cluster_root(config, "software")) if config.locations.software else ""


def sciex_working_copy(raw_cluster: PurePosixPath, output_cluster: PurePosixPath) -> PurePosixPath | None:
    """Where the job script copies a Sciex file set (tools cannot open `.wiff` sets read-only); None for others."""
    if not raw_cluster.name.lower().endswith(".wiff"):
        return None
    return output_cluster / TMP_RAW_DIR_NAME / raw_cluster.name


def raw_file_set(config: KrakenConfig, doc: dict) -> list[PurePosixPath]:
    """The Sciex file set in the backup pool as the cluster sees it: the files the record lists for the raw file and
    the set's usual parts (`.wiff`, `.wiff2`, `.wiff.scan`, `.timeseries.data`); the job copies those that exist."""
    raw = RawFileLocation.from_doc(doc)
    base = backup_base_path(config, raw)
    stem = raw.original_name[: -len(".wiff")]
    names = set(doc.get("file_info") or {}) | {f"{stem}{suffix}" for suffix in SCIEX_PARTS}
    return [cluster_path(config, "backup", safe_join(base, backup_relpath(raw, name))) for name in sorted(names)]


def build_job_request(
    config: KrakenConfig, doc: dict, settings: dict, output_worker: Path, now: datetime
) -> JobRequest:
    settings_worker = settings_folder(config, settings)
    settings_cluster = cluster_path(config, "settings", settings_worker)
    output_cluster = cluster_path(config, "output", output_worker)
    raw_cluster = raw_file_cluster_path(config, doc)
    log_dir = job_log_dir(config, now)
    threads = int(settings.get("num_threads") or settings.get("slurm_cpus_per_task") or 1)
    files = {key: _file_name(settings, key) for key in ("config_file_name", "speclib_file_name", "fasta_file_name")}
    software = software_type(settings)
    project_id = doc.get("project_id") or FALLBACK_PROJECT_ID
    environment = {
        "RAW_FILE_PATH": str(raw_cluster),
        "OUTPUT_PATH": str(output_cluster),
        "SETTINGS_PATH": str(settings_cluster),
        "SOFTWARE": settings["software"],
        "SOFTWARE_TYPE": software,
        "NUM_THREADS": str(threads),
        "CONFIG_FILE_NAME": files["config_file_name"],
        "SPECLIB_FILE_NAME": files["speclib_file_name"],
        "FASTA_FILE_NAME": files["fasta_file_name"],
        # AlphaKraken's further variables: not needed by the script, read by site scripts and custom tools
        "RAW_FILE_ID": doc["_id"],
        "PROJECT_ID": project_id,
        "PROJECT_ID_OR_FALLBACK": project_id,
        "SETTINGS_NAME": str(settings["name"]),
        "SETTINGS_VERSION": str(settings["version"]),
        "METRICS_TYPE": metrics_type(settings),
        "RELATIVE_OUTPUT_PATH": str(_relative(output_worker, location(config, "output").path)),
        "RELATIVE_RAW_FILE_PATH": str(_relative(raw_cluster, cluster_root(config, "backup"))),
        "SLURM_CPUS_PER_TASK": str(int(settings.get("slurm_cpus_per_task") or 1)),
        "SLURM_MEM": str(settings.get("slurm_mem") or DEFAULT_SLURM_MEM),
        "SLURM_TIME": str(settings.get("slurm_time") or DEFAULT_SLURM_TIME),
    }
    if config.quanting.conda_envs_dir:
        environment["CONDA_ENVS_DIR"] = config.quanting.conda_envs_dir
    working_copy = sciex_working_copy(raw_cluster, output_cluster)
    if working_copy is not None:
        environment["TMP_RAW_DIR"] = str(working_copy.parent)
        environment["RAW_FILE_SET"] = shell_command(str(p) for p in raw_file_set(config, doc))
    if settings.get("tool") or software != "alphadia":
        tokens = {
            "RAW_FILE_PATH": str(working_copy or raw_cluster),
            "RELATIVE_RAW_FILE_PATH": environment["RELATIVE_RAW_FILE_PATH"],
            "OUTPUT_PATH": str(output_cluster), "RELATIVE_OUTPUT_PATH": environment["RELATIVE_OUTPUT_PATH"],
            "LIBRARY_PATH": _settings_file(settings_cluster, files["speclib_file_name"]),
            "FASTA_PATH": _settings_file(settings_cluster, files["fasta_file_name"]),
            "CONFIG_PATH": _settings_file(settings_cluster, files["config_file_name"]),
            "NUM_THREADS": str(threads), "PROJECT_ID": project_id, "RAW_FILE_BACKUP_PATH": str(raw_cluster),
            "RAW_FILE_ID": doc["_id"], "SETTINGS_PATH": str(settings_cluster), "SOFTWARE_PATH": _software_root(config),
        }
        tool, words = _tool_command(config, settings, tokens)
        settings = {**settings, "software_type": tool.software_type, "metrics_type": tool.reads_metrics_as}
        environment.update({
            "SOFTWARE_TYPE": tool.software_type, "METRICS_TYPE": tool.reads_metrics_as, "TOOL_NAME": settings["tool"],
            "TOOL_EXECUTABLE": words[0], "CONDA_ENV": tool.conda_env or "", "CUSTOM_COMMAND": shell_command(words),
        })
    else:
        environment["CONDA_ENV"] = settings["software"]
        try:
            environment["EXTRA_ARGS"] = shell_command(shlex.split(settings.get("config_params") or ""))
        except ValueError as err:
            raise SettingsError(f"settings {settings['name']}: config_params is not valid: {err}") from None
    return JobRequest(
        raw_file_id=doc["_id"],
        settings=settings,
        job_name=job_name(doc["_id"], settings),
        output_worker=output_worker,
        output_cluster=output_cluster,
        log_dir_worker=log_dir,
        log_dir_cluster=cluster_path(config, "slurm", log_dir),
        environment=environment,
    )
