"""Where the files of a raw file are on its instrument: the acquisition folder, the instrument's `Backup/`
folder after a move, or beside the original under a `.deleteme` name when an identical copy was already moved.

Paths are relative to the instrument folder, as in the record's `file_info`; a collision prefix goes in front
of the top-level entry, as in the backup pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from kraken_core.config.schema import KrakenConfig
from kraken_core.raw_file_backup import RawFileLocation, backup_relpath
from kraken_core.safe_paths import safe_join
from kraken_core.vendors import BACKUP_FOLDER_NAME, main_file_relpath

DELETEME_SUFFIX = ".deleteme"


def instrument_folder(config: KrakenConfig, raw: RawFileLocation) -> Path:
    return config.instrument_folder(raw.instrument_id)


def acquisition_path(config: KrakenConfig, raw: RawFileLocation, rel: str) -> Path:
    return safe_join(instrument_folder(config, raw), rel)


def moved_path(config: KrakenConfig, raw: RawFileLocation, rel: str) -> Path:
    return safe_join(instrument_folder(config, raw) / BACKUP_FOLDER_NAME, backup_relpath(raw, rel))


def deleteme_path(config: KrakenConfig, raw: RawFileLocation, rel: str) -> Path:
    top, *rest = PurePosixPath(rel).parts
    return safe_join(instrument_folder(config, raw), PurePosixPath(top + DELETEME_SUFFIX, *rest))


def top_entries(relpaths: Iterable[str]) -> list[str]:
    """The entries moved as a whole: a Bruker `.d` folder, each Thermo or Sciex file."""
    return sorted({PurePosixPath(rel).parts[0] for rel in relpaths})


def members_of(top: str, relpaths: Iterable[str]) -> list[str]:
    return sorted(rel for rel in relpaths if PurePosixPath(rel).parts[0] == top)


def main_relpath(config: KrakenConfig, raw: RawFileLocation) -> str:
    return main_file_relpath(config.instruments[raw.instrument_id].type, raw.original_name)
