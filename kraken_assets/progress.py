"""Progress of long copies in the run log: percent and MB/s, at most every few seconds."""

import time

import dagster as dg


class ProgressLog:
    def __init__(self, context: dg.AssetExecutionContext, label: str, interval_s: float):
        self.context, self.label, self.interval_s = context, label, interval_s
        self.started = self.last = time.monotonic()

    def __call__(self, copied: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.interval_s:
            return
        self.last = now
        rate = copied / 1e6 / max(now - self.started, 1e-9)
        self.context.log.info(
            f"{self.label}: {100 * copied / max(total, 1):.0f}% of {total / 1e9:.2f} GB ({rate:.0f} MB/s)"
        )
