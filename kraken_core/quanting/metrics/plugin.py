"""What a metrics plugin is: the tool's output files and one function reading them into metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Metrics = dict[str, int | float | None]
# fields every `metrics` document gets from the record (`kraken_core.record.quanting_jobs`), never from a tool
RECORD_FIELDS = frozenset({"_id", "raw_file", "settings_name", "settings_version", "settings_id", "type",
                           "output_path", "slurm_job_id", "time_elapsed", "created_at_", "updated_at_"})


@dataclass(frozen=True)
class MetricsPlugin:
    metrics_type: str  # the settings' `metrics_type` that selects this plugin (AlphaKraken's MetricsTypes)
    tool: str  # the tool's name as people know it, used in errors
    outputs: tuple[tuple[str, ...], ...]  # the files that must be there; each a file and its alternative names
    read: Callable[[Path], Metrics]  # every metric of one output folder, non-finite numbers as None

    def missing_outputs(self, folder: Path) -> list[str]:
        """The required outputs not in `folder` (empty: the tool's output is there)."""
        if not folder.is_dir():
            return [f"the output folder {folder}"]
        return [" or ".join(names) for names in self.outputs if not any((folder / n).is_file() for n in names)]
