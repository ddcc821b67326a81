"""What is handed to the job script for one (raw file, settings): every path as the cluster sees it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from kraken_core.config.schema import KrakenConfig
from kraken_core.quanting.cluster_paths import cluster_path, location
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path, backup_relpath
from kraken_core.quanting.software import metrics_type, software_type
from kraken_core.safe_paths import check_plain_name, safe_join

JOB_SCRIPT_NAME = "submit_job.sh"
JOB_SCRIPT = Path(__file__).with_name(JOB_SCRIPT_NAME)
PLACEHOLDERS = ("raw_file_path", "output_path", "settings_path", "config_file", "speclib_file", "fasta_file",
                "threads", "project_id", "raw_file_id")


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


def _file_name(settings: dict, key: str) -> str:
    name = settings.get(key) or ""
    if name:
        check_plain_name(name, f"settings {settings['name']} {key}")
    return name


def _custom_command(template: str, values: dict[str, str], settings: dict) -> str:
    """Split the template into words, fill `{placeholders}` per word, and quote every word for the shell."""
    try:
        words = shlex.split(template)
    except ValueError as err:
        raise SettingsError(f"settings {settings['name']}: command template is not valid: {err}") from None
    if not words:
        raise SettingsError(f"settings {settings['name']}: custom software needs a command template in config_params")
    filled = []
    for word in words:
        for key in re.findall(r"\{([a-z_]+)\}", word):
            if key not in values:
                raise SettingsError(f"settings {settings['name']}: unknown placeholder {{{key}}}; known: {PLACEHOLDERS}")
        filled.append(re.sub(r"\{([a-z_]+)\}", lambda m: values[m.group(1)], word))
    return shlex.join(filled)


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
        "RELATIVE_RAW_FILE_PATH": str(_relative(raw_cluster, location(config, "backup").absolute_path
                                                or location(config, "backup").path)),
        "SLURM_CPUS_PER_TASK": str(int(settings.get("slurm_cpus_per_task") or 1)),
        "SLURM_MEM": str(settings.get("slurm_mem") or DEFAULT_SLURM_MEM),
        "SLURM_TIME": str(settings.get("slurm_time") or DEFAULT_SLURM_TIME),
    }
    if config.quanting.conda_envs_dir:
        environment["CONDA_ENVS_DIR"] = config.quanting.conda_envs_dir
    params = settings.get("config_params") or ""
    if software == "alphadia":
        try:
            environment["EXTRA_ARGS"] = shlex.join(shlex.split(params))
        except ValueError as err:
            raise SettingsError(f"settings {settings['name']}: config_params is not valid: {err}") from None
    elif software == "custom":
        values = {
            "raw_file_path": str(raw_cluster), "output_path": str(output_cluster),
            "settings_path": str(settings_cluster), "threads": str(threads),
            "config_file": f"{settings_cluster}/{files['config_file_name']}",
            "speclib_file": f"{settings_cluster}/{files['speclib_file_name']}",
            "fasta_file": f"{settings_cluster}/{files['fasta_file_name']}",
            "project_id": project_id, "raw_file_id": doc["_id"],
        }
        environment["CUSTOM_COMMAND"] = _custom_command(params, values, settings)
    else:
        raise SettingsError(f"settings {settings['name']}: unknown software_type {software!r} (alphadia|custom)")
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
