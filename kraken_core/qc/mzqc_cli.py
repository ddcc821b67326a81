"""QC metrics as mzQC 1.0 (HUPO-PSI): `python -m kraken_core.qc.mzqc_cli RAW_FILE_ID | [selection] [-o FILE]`.

  RAW_FILE_ID                          one raw file: every metrics document it has (one run each)
  --instrument ID                      a selection: the instrument's raw files
  --series NAME                        a QC series of qc.series (its name pattern, instruments and settings)
  --since DATE --until DATE            acquisition dates (2026-03-01 is the whole day in UTC; or ISO 8601 times)
  --max-files N                        refuse a selection of more raw files (default 5000)
  -o FILE                              write the document to FILE (default: standard output)

Without a raw file id, the selection options (any of them, together) choose the raw files; raw files without
metrics are left out. Exit 1 when nothing is exported (an unknown raw file, instrument or series, a bad date,
no metrics), with the reason on stderr. The record is reached with the read-only user (`MONGO_USER_READ` /
`MONGO_PASSWORD_READ`, else `MONGO_USER` / `MONGO_PASSWORD`) from the environment or `envs/${ENV}.env`;
instruments and series come from `envs/alphakraken.${ENV}.yaml`. Metric terms: docs/qc.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kraken_core.config import ConfigError, load_config, load_environment
from kraken_core.config.schema import KrakenConfig
from kraken_core.qc.mzqc import to_json
from kraken_core.qc.mzqc_export import MAX_FILES, ExportRefused, Selection, raw_file_document, selection_document
from kraken_core.record.connection import run_on_record
from kraken_core.record.environment_settings import mongo_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kraken_core.qc.mzqc_cli", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("raw_file_id", nargs="?", help="one raw file (else a selection)")
    parser.add_argument("--instrument")
    parser.add_argument("--series")
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--max-files", type=int, default=MAX_FILES)
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    return parser


def export(db, args: argparse.Namespace, config: KrakenConfig) -> str:
    if args.raw_file_id:
        document = raw_file_document(db, args.raw_file_id)
    else:
        selection = Selection.from_text(args.instrument, args.series, args.since, args.until)
        document = selection_document(db, selection, config.qc, config.instruments, args.max_files)
    text = to_json(document)
    if args.output is None:
        return text.rstrip("\n")
    args.output.write_text(text, encoding="utf-8")
    runs = len(document["mzQC"]["runQualities"])
    return f"wrote {args.output}: {runs} run{'s' if runs != 1 else ''} (mzQC {document['mzQC']['version']})"


def _read_user(environ) -> dict[str, str]:
    """The read-only user when it is set, else the workers' user (never one's name with the other's password)."""
    if environ.get("MONGO_USER_READ"):
        return {"user_variable": "MONGO_USER_READ", "password_variable": "MONGO_PASSWORD_READ"}
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.raw_file_id and (args.instrument or args.series or args.since or args.until):
        parser.error("give a raw file id or selection options, not both")
    if args.max_files < 1:
        parser.error("--max-files must be at least 1")
    try:
        config = load_config()
    except ConfigError as err:
        print(f"mzqc: {err}", file=sys.stderr)
        return 2
    environ = load_environment(apply=False)
    settings = mongo_settings(environ, **_read_user(environ))
    return run_on_record(settings, lambda db: export(db, args, config), (ExportRefused,), "mzqc")


if __name__ == "__main__":
    sys.exit(main())
