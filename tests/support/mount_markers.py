"""`production: true` needs a mount check on every folder; on plain test folders that is a marker file."""

from __future__ import annotations

from pathlib import Path

from kraken_core.config.schema import KrakenConfig

MARKER = ".alphakraken_mounted"


def marked_as_mounted(data: dict, mounts: Path | None = None) -> dict:
    """The configuration `data` with `mount_check: marker` on every location and instrument, and the marker files
    written into their folders (`${MOUNTS_PATH}` in a path stands for `mounts`)."""
    locations = {name: {**location, "mount_check": "marker"} for name, location in data["locations"].items()
                 if location is not None}
    instruments = {name: {**instrument, "mount_check": "marker"} for name, instrument in data["instruments"].items()}
    folders = [Path(str(location["path"]).replace("${MOUNTS_PATH}", str(mounts))) for location in locations.values()]
    instruments_folder = folders[list(locations).index("instruments")]
    folders += [Path(str(instrument["path"])) if instrument.get("path") else instruments_folder / name
                for name, instrument in instruments.items()]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).touch()
    return {**data, "locations": locations, "instruments": instruments}


def in_production(config: KrakenConfig) -> KrakenConfig:
    """The same configuration with `production: true`, validated, its folders marked as mounted."""
    return KrakenConfig.model_validate(marked_as_mounted({**config.model_dump(mode="json"), "production": True}))
