"""Record dumps from the command line: `python -m kraken_core.record.backup_cli dump|restore|list`.

The database comes from `MONGO_HOST`, `MONGO_PORT`, `MONGO_DB`, `MONGO_USER`, `MONGO_PASSWORD` (from the
environment or `envs/${ENV}.env`). Restoring needs a user that may write every collection (the workers' user
or root), and by default refuses a database that already has documents in the dumped collections.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kraken_core.config import load_environment
from kraken_core.record.connection import run_on_record
from kraken_core.record.dump import RestoreError, dump_record, restore_record
from kraken_core.record.dump_slots import list_dumps
from kraken_core.record.environment_settings import mongo_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kraken_core.record.backup_cli", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    dump = sub.add_parser("dump", help="dump the record into a folder (replaced when the new dump is complete)")
    dump.add_argument("folder", type=Path)
    restore = sub.add_parser("restore", help="restore a dump folder into the database")
    restore.add_argument("folder", type=Path)
    restore.add_argument("--drop", action="store_true", help="replace the dumped collections in the database")
    for p in (dump, restore):
        p.add_argument("--database", help="database name (default: MONGO_DB)")
    listing = sub.add_parser("list", help="list the dumps under a backup folder, newest first")
    listing.add_argument("root", type=Path)
    args = parser.parse_args(argv)

    if args.action == "list":
        for folder, manifest in list_dumps(args.root):
            documents = sum(manifest["counts"].values())
            print(f"{manifest['created_at']}  {folder}  {manifest['database']}  {documents} documents")
        return 0
    settings = mongo_settings(load_environment(), database=args.database)

    def action(db) -> str:
        if args.action == "dump":
            summary = dump_record(db, args.folder)
            return (f"dumped {settings.describe()} to {summary.path}: {summary.counts}, "
                    f"{'one point in time' if summary.point_in_time else 'per collection (standalone server)'}")
        return f"restored {args.folder} into {settings.describe()}: {restore_record(db, args.folder, drop=args.drop)}"

    return run_on_record(settings, action, (RestoreError,), "restore refused")


if __name__ == "__main__":
    sys.exit(main())
