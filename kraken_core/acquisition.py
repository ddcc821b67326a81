"""When is an acquisition finished? The rules, as pure functions over what the watcher has seen.

- Finished when exactly one newer raw file has appeared since monitoring began (the instrument moved on
  to the next sample). More than one new file at once resets the baseline: that is a copy or a catch-up,
  not the next acquisition.
- Finished when the main file's size has been unchanged and non-zero for the stability window.
- A main file of size 0 is never finished; if it stays empty (or, for Bruker, absent) past the
  missing-main-file timeout, the acquisition failed.
- A Sciex file whose `.wiff.scan` is still converting finishes only by the long conversion window.
- With `acquisition.consider_old_files_acquired` (AlphaKraken's switch of that name, for a catch-up), a main file
  older than the youngest raw file of the folder by more than `old_file_age_difference_h` is finished at once.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from enum import Enum

from kraken_core.config.schema import Timings
from kraken_core.vendors import RawEntry


@dataclass(frozen=True)
class Watch:
    raw_file_id: str
    since: float
    baseline_at: float
    stable_since: float
    details: str | None = None


@dataclass(frozen=True)
class Tracked:
    """One raw file in the watcher's state; `watch` is None once it is registered as finished, and then
    `signature` is what the scan saw of it at that moment (a later change means the file was written again)."""

    size: int | None
    first_seen: float
    watch: Watch | None = None
    signature: tuple[int, ...] = ()


class Verdict(Enum):
    WAIT = "wait"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    tracked: Tracked


class NewerFiles:
    """First-seen times of every raw file in the folder, to count how many appeared after a moment."""

    def __init__(self, first_seen: dict[str, float]):
        self._items = sorted((t, name) for name, t in first_seen.items())
        self._times = [t for t, _ in self._items]

    def after(self, moment: float, exclude: str) -> tuple[int, str | None]:
        """How many raw files (other than `exclude`) were first seen after `moment`, and the first of them."""
        start = bisect.bisect_right(self._times, moment)
        names = (name for _, name in self._items[start:] if name != exclude)
        first = next(names, None)
        if first is None:
            return 0, None
        return 1 + sum(1 for _ in names), first


def decide(
    entry: RawEntry, tracked: Tracked, newer: NewerFiles, now: float, timings: Timings, old_by_s: float | None = None
) -> Decision:
    """`old_by_s`: how much older than the youngest raw file this one is, when old files count as acquired."""
    watch = tracked.watch
    assert watch is not None, "only watched raw files are decided"
    size = entry.main_size
    stable_since = watch.stable_since if size == tracked.size else now
    watch = replace(watch, stable_since=stable_since)
    updated = Tracked(size=size, first_seen=tracked.first_seen, watch=watch)
    waited = now - watch.since

    if size is None or size == 0:
        what = "has no main file yet" if size is None else "has an empty (0 byte) main file"
        if waited >= timings.missing_main_file_timeout_s:
            return Decision(
                Verdict.FAILED,
                f"{entry.name} {what} after {waited:.0f} s (missing_main_file_timeout_s="
                f"{timings.missing_main_file_timeout_s:g}); the acquisition failed. Its files are still backed up",
                updated,
            )
        return Decision(Verdict.WAIT, f"{entry.name} {what}; waiting for the instrument to write data", updated)

    stable_for = now - stable_since
    if entry.converting:
        if stable_for >= timings.sciex_conversion_window_s:
            return Decision(
                Verdict.DONE,
                f"size unchanged for {stable_for:.0f} s while converting (sciex_conversion_window_s)",
                updated,
            )
        return Decision(Verdict.WAIT, f"{entry.name}: .wiff.scan is still being converted (<= 144 bytes)", updated)

    if old_by_s is not None:
        return Decision(Verdict.DONE, f"{entry.name} is {old_by_s / 3600:.1f} h older than the youngest raw file "
                        f"(consider_old_files_acquired)", updated)

    arrived, first_arrived = newer.after(watch.baseline_at, exclude=entry.name)
    if arrived == 1:
        return Decision(Verdict.DONE, f"a newer acquisition started: {first_arrived}", updated)
    if arrived > 1:
        updated = replace(updated, watch=replace(watch, baseline_at=now))
    if stable_for >= timings.size_stable_window_s:
        return Decision(Verdict.DONE, f"main file size {size} unchanged for {stable_for:.0f} s", updated)
    return Decision(Verdict.WAIT, "acquisition in progress", updated)
