"""Finding and reading a QC tool's output files, with errors that name the file and the tool.

Every plugin reads its tables through here, so a missing file, an empty file or a table pandas cannot parse
fails the same way: `OutputReadError` with the tool, the path and what to look at.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kraken_core.numbers import finite_number


class OutputReadError(RuntimeError):
    """A tool's output file is missing, empty or cannot be read."""


class MissingOutputError(OutputReadError):
    """None of the files a tool should have written is in its output folder."""


def find_output(folder: Path, tool: str, *names: str) -> Path:
    """The first of `names` present in `folder`; `MissingOutputError` naming them all when none is."""
    for name in names:
        if (folder / name).is_file():
            return folder / name
    wanted = " or ".join(names)
    raise MissingOutputError(f"{tool}: {wanted} not found in {folder}; the job ended without writing it, see the "
                             f"job log and the tool's own log in that folder")


def read_table(path: Path, tool: str, sep: str = "\t", **options) -> pd.DataFrame:
    """A TSV/CSV (or parquet, by suffix) as a DataFrame; `OutputReadError` naming the file and the tool."""
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path, **options)
        return pd.read_csv(path, sep=sep, **options)
    except Exception as err:  # pandas raises many kinds (EmptyDataError, ParserError, ArrowInvalid, ...)
        raise OutputReadError(f"{tool}: cannot read {path}: {err}; the tool may have crashed while writing it, see "
                              f"the job log") from err


def require_rows(table: pd.DataFrame, path: Path, tool: str) -> pd.DataFrame:
    """The table, or `OutputReadError` when it has a header but no row (the tool wrote no result)."""
    if table.empty:
        raise OutputReadError(f"{tool}: {path} has no rows (columns: {', '.join(map(str, table.columns))}); the tool "
                              f"wrote no result for this raw file, see the job log")
    return table


def first_column(table: pd.DataFrame, names: Iterable[str]) -> str | None:
    """The first of `names` (a column and its known alternative names) that the table has."""
    return next((name for name in names if name in table.columns), None)


def numbers(table: pd.DataFrame, column: str) -> pd.Series:
    """A column as numbers; text that is not a number becomes NaN."""
    return pd.to_numeric(table[column], errors="coerce")


def mean(table: pd.DataFrame, column: str) -> int | float | None:
    return finite_number(numbers(table, column).mean())
