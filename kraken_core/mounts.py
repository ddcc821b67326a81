"""CIFS shares of a worker host: fstab lines, mount, unmount and check, from `envs/alphakraken.${ENV}.yaml`.

Run as `ENV=production python -m kraken_core.mounts fstab|mount|umount|check [NAME ...]`. Every instrument and
location (backup, output, logs, settings, slurm) with a `share` is a mount target; NAME selects some of them.
Credentials stay in the root-only file named by `mounts.credentials_file`; they are never read or printed here.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kraken_core.config import ConfigError, KrakenConfig, load_config
from kraken_core.config.loader import environment_name
from kraken_core.config.schema import LocationConfig
from kraken_core.locations import check_location

LOCATION_NAMES = ("backup", "output", "logs", "settings", "slurm")
_FSTAB_ESCAPES = {"\\": "\\134", " ": "\\040", "\t": "\\011", "\n": "\\012"}


@dataclass(frozen=True)
class MountTarget:
    name: str
    share: str
    path: Path
    location: LocationConfig


def mount_targets(config: KrakenConfig) -> list[MountTarget]:
    """Every configured share with the folder it is mounted at: instruments first, then the locations."""
    targets = []
    for instrument_id, instrument in config.instruments.items():
        if instrument.share:
            location = config.instrument_location(instrument_id)
            targets.append(MountTarget(instrument_id, instrument.share, location.path, location))
    for name in LOCATION_NAMES:
        location = getattr(config.locations, name)
        if location is not None and location.share:
            targets.append(MountTarget(name, location.share, location.path, location))
    return targets


def mount_options(config: KrakenConfig) -> str:
    mounts = config.mounts
    uid = mounts.uid if mounts.uid is not None else os.getuid()
    gid = mounts.gid if mounts.gid is not None else os.getgid()
    options = [
        f"credentials={mounts.credentials_file}",
        f"uid={uid}",
        f"gid={gid}",
        f"file_mode={mounts.file_mode}",
        f"dir_mode={mounts.dir_mode}",
        f"vers={mounts.vers}",
        *mounts.extra_options,
    ]
    return ",".join(options)


def _fstab_escape(field: str) -> str:
    return "".join(_FSTAB_ESCAPES.get(char, char) for char in field)


def _fstab_unescape(field: str) -> str:
    for char, escaped in _FSTAB_ESCAPES.items():
        field = field.replace(escaped, char)
    return field


def fstab_lines(config: KrakenConfig) -> list[str]:
    """One /etc/fstab line per share; `_netdev,nofail` so a missing file server never blocks the boot."""
    options = mount_options(config) + ",_netdev,nofail"
    return [f"{_fstab_escape(t.share)} {_fstab_escape(str(t.path))} cifs {options} 0 0" for t in mount_targets(config)]


def mounted_sources(mounts_file: Path = Path("/proc/self/mounts")) -> dict[Path, str]:
    """What is mounted where, from the kernel's mount table: {mount point: source}."""
    table = {}
    for line in mounts_file.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 2:
            table[Path(_fstab_unescape(fields[1]))] = _fstab_unescape(fields[0])
    return table


def _same_share(a: str, b: str) -> bool:
    return a.replace("\\", "/").rstrip("/").lower() == b.replace("\\", "/").rstrip("/").lower()


def check_target(target: MountTarget, table: dict[Path, str]) -> tuple[bool, str]:
    """Mounted from the configured share, and healthy (readable, free space known)."""
    source = table.get(target.path)
    if source is None:
        return False, f"{target.name}: {target.path} is not mounted; mount it with `python -m kraken_core.mounts mount {target.name}`"
    if not _same_share(source, target.share):
        return False, (
            f"{target.name}: {target.path} is mounted from {source}, not from the configured share {target.share}; "
            f"unmount it and mount the right share"
        )
    health = check_location(target.location.model_copy(update={"mount_check": "none"}), target.name)
    if not health.ok:
        return False, health.details
    return True, f"{target.name}: {target.share} on {target.path}, {health.free_gb:.1f} GB free"


def mount_command(config: KrakenConfig, target: MountTarget) -> list[str]:
    return ["mount", "-t", "cifs", target.share, str(target.path), "-o", mount_options(config)]


def _select(targets: list[MountTarget], names: list[str], config_source: str) -> list[MountTarget]:
    if not names:
        return targets
    known = {t.name: t for t in targets}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"{config_source}: no share configured for {', '.join(unknown)}; "
            f"targets with a share: {', '.join(known) or 'none'}"
        )
    return [known[n] for n in names]


def _run(argv: list[str], dry_run: bool) -> bool:
    print(shlex.join(argv))
    if dry_run:
        return True
    done = subprocess.run(argv, check=False)
    if done.returncode != 0:
        print(f"failed (exit {done.returncode}): {shlex.join(argv)}", file=sys.stderr)
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kraken_core.mounts", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["fstab", "mount", "umount", "check"])
    parser.add_argument("names", nargs="*", help="instrument ids or location names (default: all with a share)")
    parser.add_argument("--dry-run", action="store_true", help="print the mount/umount commands without running them")
    args = parser.parse_intermixed_args(argv)
    env = environment_name()
    try:
        config = load_config(env)
        targets = _select(mount_targets(config), args.names, f"alphakraken.{env}.yaml")
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    if args.action == "fstab":
        print(f"# AlphaKraken shares of ENV={env}; credentials in {config.mounts.credentials_file} (chmod 600)")
        print("\n".join(fstab_lines(config)))
        return 0
    table = mounted_sources()
    ok = True
    for target in targets:
        mounted = target.path in table
        if args.action == "mount" and not mounted:
            if not args.dry_run:
                target.path.mkdir(parents=True, exist_ok=True)
            ok &= _run(mount_command(config, target), args.dry_run)
        elif args.action == "umount" and mounted:
            ok &= _run(["umount", str(target.path)], args.dry_run)
        elif args.action == "check":
            good, message = check_target(target, table)
            print(("ok    " if good else "FAIL  ") + message)
            ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
