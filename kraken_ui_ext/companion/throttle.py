"""Login throttling: failed logins counted per account and per client address over a sliding window.

Kept in the memory of the companion process (one process serves the entrance); a restart forgets the counts,
which only helps someone who can restart the companion anyway. Once a limit is reached, every further attempt
for that account or from that address is refused until the oldest failure leaves the window, even with the
right password, so guessing gains nothing from continuing.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_S = 15 * 60


class LoginThrottle:
    def __init__(self, max_per_account: int = MAX_FAILURES_PER_ACCOUNT,
                 max_per_address: int = MAX_FAILURES_PER_ADDRESS, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {"account": max_per_account, "address": max_per_address}
        self._window_s = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= self._clock() - self._window_s:
            failures.popleft()
        if not failures:
            del self._failures[key]  # keeps the table as small as the recent failures
            return deque()
        return failures

    def retry_after(self, account: str, address: str) -> int:
        """Seconds until a login for this account from this address may be tried again; 0 when it may now."""
        wait = 0.0
        for key in (("account", account), ("address", address)):
            failures = self._recent(key)
            if len(failures) >= self._limits[key[0]]:
                wait = max(wait, failures[0] + self._window_s - self._clock())
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        for key in (("account", account), ("address", address)):
            self._failures[key].append(now)

    def succeeded(self, account: str) -> None:
        self._failures.pop(("account", account), None)
