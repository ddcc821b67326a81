"""Create the folders of a local or test configuration (instrument, backup and output folders).

Run as `python -m kraken_core.prepare_folders`. Refuses in production, where the folders are network shares
that must be mounted, never created empty in their place.
"""

from __future__ import annotations

import sys

from kraken_core.config import load_config
from kraken_core.config.loader import environment_name


def main() -> int:
    env = environment_name()
    if env == "production":
        print("prepare_folders: refusing in production; mount the shares instead", file=sys.stderr)
        return 2
    config = load_config(env)
    folders = [config.instrument_folder(i) for i in config.instruments]
    folders += [config.locations.backup.path, config.locations.output.path]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"ready: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
