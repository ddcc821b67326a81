"""Acquisition-done rules, as pure decisions."""

import pytest

from kraken_core.acquisition import NewerFiles, Tracked, Verdict, Watch, decide
from kraken_core.config.schema import Timings
from kraken_core.vendors import RawEntry

T = Timings(size_stable_window_s=10, sciex_conversion_window_s=100, missing_main_file_timeout_s=50)


def watched(size, since=0.0, baseline=0.0, stable=0.0):
    return Tracked(size=size, first_seen=since, watch=Watch("x.raw", since, baseline, stable))


def test_exactly_one_newer_file_finishes_the_acquisition():
    newer = NewerFiles({"x.raw": 0.0, "y.raw": 5.0})
    d = decide(RawEntry("x.raw", 10, 0), watched(9), newer, now=6, timings=T)
    assert d.verdict is Verdict.DONE and "y.raw" in d.reason


def test_more_than_one_new_file_resets_the_baseline():
    newer = NewerFiles({"x.raw": 0.0, "y.raw": 5.0, "z.raw": 5.0})
    d = decide(RawEntry("x.raw", 10, 0), watched(9), newer, now=6, timings=T)
    assert d.verdict is Verdict.WAIT
    assert d.tracked.watch.baseline_at == 6
    # one more file after the reset: now it is the next acquisition
    newer = NewerFiles({"x.raw": 0.0, "y.raw": 5.0, "z.raw": 5.0, "w.raw": 7.0})
    d = decide(RawEntry("x.raw", 11, 0), d.tracked, newer, now=8, timings=T)
    assert d.verdict is Verdict.DONE and "w.raw" in d.reason


def test_stable_nonzero_size_for_the_window_finishes():
    newer = NewerFiles({"x.raw": 0.0})
    d = decide(RawEntry("x.raw", 10, 0), watched(10, stable=0), newer, now=9, timings=T)
    assert d.verdict is Verdict.WAIT
    d = decide(RawEntry("x.raw", 10, 0), d.tracked, newer, now=10, timings=T)
    assert d.verdict is Verdict.DONE


def test_growing_file_restarts_the_stability_window():
    newer = NewerFiles({"x.raw": 0.0})
    d = decide(RawEntry("x.raw", 11, 0), watched(10, stable=0), newer, now=15, timings=T)
    assert d.verdict is Verdict.WAIT and d.tracked.watch.stable_since == 15


@pytest.mark.parametrize("size", [0, None])
def test_empty_or_missing_main_file_is_never_finished_and_fails_after_timeout(size):
    newer = NewerFiles({"x.raw": 0.0, "y.raw": 5.0})
    d = decide(RawEntry("x.raw", size, 0), watched(size), newer, now=49, timings=T)
    assert d.verdict is Verdict.WAIT
    d = decide(RawEntry("x.raw", size, 0), d.tracked, newer, now=50, timings=T)
    assert d.verdict is Verdict.FAILED and "missing_main_file_timeout_s" in d.reason


def test_sciex_converting_waits_for_the_long_window_even_with_a_newer_file():
    newer = NewerFiles({"x.wiff": 0.0, "y.wiff": 5.0})
    entry = RawEntry("x.wiff", 10, 0, converting=True)
    d = decide(entry, watched(10), newer, now=60, timings=T)
    assert d.verdict is Verdict.WAIT
    d = decide(entry, d.tracked, newer, now=100, timings=T)
    assert d.verdict is Verdict.DONE
