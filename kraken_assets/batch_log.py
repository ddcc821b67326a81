"""The log of a run that works through many raw files: one event-log line per file would cost more than the file.

Each line written to Dagster's event log is one write to the event storage (several milliseconds on SQLite),
and the per-file facts are in the file's materializations anyway. So in a batch, per-file info lines go to the
run's stdout (its compute log, in the run page's stdout tab); warnings and errors go to the event log as usual,
with a progress line at most every few seconds.
"""

import logging
import sys
import time

import dagster as dg

_stdout = logging.getLogger("kraken.batch")
if not _stdout.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _stdout.addHandler(_handler)
    _stdout.setLevel(logging.INFO)
    _stdout.propagate = False


class BatchLog:
    """The log the per-file steps write to in a batch: info to stdout, warnings and errors to the event log."""

    def __init__(self, event_log: dg.DagsterLogManager):
        self._event_log = event_log

    def debug(self, msg: str, *args, **kwargs) -> None:
        _stdout.debug(msg)

    def info(self, msg: str, *args, **kwargs) -> None:
        _stdout.info(msg)

    def warning(self, msg: str, *args, **kwargs) -> None:
        self._event_log.warning(msg)

    def error(self, msg: str, *args, **kwargs) -> None:
        self._event_log.error(msg)

    def exception(self, msg: str, *args, **kwargs) -> None:
        self._event_log.exception(msg)


class BatchProgress:
    """One event-log line every few seconds on how far a batch has got."""

    def __init__(self, event_log: dg.DagsterLogManager, total: int, interval_s: float):
        self._event_log, self._total, self._interval_s = event_log, total, interval_s
        self._last = time.monotonic()

    def __call__(self, done: int, failed: int) -> None:
        now = time.monotonic()
        if now - self._last >= self._interval_s:
            self._last = now
            self._event_log.info(f"{done} of {self._total} raw files of this batch handled ({failed} failed)")
