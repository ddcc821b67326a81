"""Where a job writes: `<output>/<project>/out_<raw_file_id>/<software_type>`, and what to do if it exists.

Modes: `raise` refuses, `overwrite` empties the folder first, `associate` submits nothing and takes the existing
output as the result, `add` writes next to it as `.run2`, `.run3`, ...
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kraken_core.safe_paths import check_plain_name, safe_join


class OutputFolderExistsError(RuntimeError):
    """The output folder exists and the mode is `raise`."""


@dataclass(frozen=True)
class OutputFolder:
    path: Path
    associate: bool = False


def base_output_folder(output_root: Path, project_id: str, raw_file_id: str, folder_name: str) -> Path:
    check_plain_name(project_id, "project id")
    check_plain_name(raw_file_id, "raw file id")
    check_plain_name(folder_name, "output folder name")
    return safe_join(output_root, f"{project_id}/out_{raw_file_id}/{folder_name}")


def choose_output_folder(base: Path, mode: str) -> OutputFolder:
    """Apply the mode to `base` (the workers' view of the folder)."""
    if not base.exists():
        return OutputFolder(base)
    if mode == "raise":
        raise OutputFolderExistsError(
            f"output folder {base} already exists; move it away, or set quanting.output_folder_mode to "
            f"overwrite, associate or add"
        )
    if mode == "overwrite":
        shutil.rmtree(base)
        return OutputFolder(base)
    if mode == "associate":
        return OutputFolder(base, associate=True)
    run = 2
    while base.with_name(f"{base.name}.run{run}").exists():
        run += 1
    return OutputFolder(base.with_name(f"{base.name}.run{run}"))
