"""Maintenance annotations of instruments: `python -m kraken_core.record.annotations_cli add|list|delete`.

  add INSTRUMENT KIND [--at TIME] [--text TEXT] [--by NAME]   record an event (TIME: ISO 8601, default now; UTC
                                                             unless it names its zone)
  list INSTRUMENT [--since TIME]                             the instrument's annotations, oldest first
  delete ID                                                  remove a mistaken annotation (ID as `list` shows)

KIND is one of column_change, source_cleaning, calibration, maintenance, new_lot, note (free text, needs --text).
A kind in `qc.baseline_reset_kinds` (default: column_change) starts a new baseline of the instrument's QC series
from its time: enter the time the event happened, not when it is typed in. The record is reached as the workers
reach it: `MONGO_HOST`, `MONGO_PORT`, `MONGO_DB`, `MONGO_USER` / `MONGO_PASSWORD` from the environment or
`envs/${ENV}.env`; instruments are checked against `envs/alphakraken.${ENV}.yaml`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from kraken_core.config import ConfigError, load_config, load_environment
from kraken_core.qc.annotation_kinds import ANNOTATION_KINDS
from kraken_core.record.annotations import AnnotationError, add_annotation, annotations_of, delete_annotation
from kraken_core.record.connection import run_on_record
from kraken_core.record.environment_settings import mongo_settings


def _time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-03-01T14:30") from err
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kraken_core.record.annotations_cli",
                                     description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="record an instrument event")
    add.add_argument("instrument")
    add.add_argument("kind", choices=ANNOTATION_KINDS)
    add.add_argument("--at", type=_time, help="when it happened (ISO 8601; default now)")
    add.add_argument("--text", default="", help="what was done (required for a note)")
    add.add_argument("--by", default=None, help="who did it (default: the login name)")
    listing = sub.add_parser("list", help="list an instrument's annotations")
    listing.add_argument("instrument")
    listing.add_argument("--since", type=_time)
    sub.add_parser("delete", help="remove a mistaken annotation").add_argument("id")
    return parser


def _line(doc: dict, reset_kinds: list[str]) -> str:
    reset = "\tstarts a new QC baseline" if doc["kind"] in reset_kinds else ""
    return (f"{doc['_id']}\t{doc['occurred_at']:%Y-%m-%d %H:%M %Z}\t{doc['instrument_id']}\t{doc['kind']}\t"
            f"{doc.get('text') or ''}{reset}")


def run(db, args: argparse.Namespace, instruments: list[str], reset_kinds: list[str]) -> str:
    if args.action == "add":
        doc = add_annotation(db, instrument_id=args.instrument, kind=args.kind,
                             occurred_at=args.at or datetime.now(UTC), text=args.text,
                             created_by=args.by or getpass.getuser(), known_instruments=instruments)
        return "recorded: " + _line(doc, reset_kinds)
    if args.action == "list":
        docs = annotations_of(db, args.instrument, since=args.since)
        return "\n".join(_line(doc, reset_kinds) for doc in docs) or f"no annotations of {args.instrument}"
    if not delete_annotation(db, args.id):
        raise AnnotationError(f"no annotation with id {args.id}; `list INSTRUMENT` shows the ids")
    return f"annotation {args.id} deleted"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config()
    except ConfigError as err:
        print(f"annotations: {err}", file=sys.stderr)
        return 2
    settings = mongo_settings(load_environment())
    reset_kinds = [str(kind) for kind in config.qc.baseline_reset_kinds]
    return run_on_record(settings, lambda db: run(db, args, list(config.instruments), reset_kinds),
                         (AnnotationError,), "annotations")


if __name__ == "__main__":
    sys.exit(main())
