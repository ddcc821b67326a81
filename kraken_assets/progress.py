"""Progress of long copies in the run log: percent and MB/s, at most every few seconds."""

import time


class ProgressLog:
    """A copy's progress callback that logs to `log` (a run's `context.log`, or any logger)."""

    def __init__(self, log, label: str, interval_s: float):
        self.log, self.label, self.interval_s = log, label, interval_s
        self.started = self.last = time.monotonic()

    def __call__(self, copied: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.interval_s:
            return
        self.last = now
        rate = copied / 1e6 / max(now - self.started, 1e-9)
        self.log.info(
            f"{self.label}: {100 * copied / max(total, 1):.0f}% of {total / 1e9:.2f} GB ({rate:.0f} MB/s)"
        )


class TransferSummary:
    """Totals of a copy or upload of several files, some of which may have been skipped as identical."""

    def __init__(self, results, seconds: float):
        self.files = len(results)
        self.total = sum(r.size for r in results)
        self.written = sum(r.size for r in results if not r.skipped)
        self.skipped = sum(1 for r in results if r.skipped)
        self.transferred = self.files - self.skipped
        self.mb_per_s = self.written / 1e6 / seconds if self.written and seconds > 0 else 0.0
