"""Catch-up after downtime: 5,000 finished raw files nobody has seen, on three instruments of three vendors.

The watchers run tick after tick with their state passed through the sensor cursor, as the daemon does. Each
tick takes at most one page per instrument, youngest first; every file is registered once and finished (its
run requested) once; nothing is skipped.
"""

import os
from pathlib import Path

from kraken_core.watcher import InstrumentWatcher, WatcherState

PAGE = 400
FILES = {"thermo1": 2000, "bruker1": 1500, "sciex1": 1500}
START = 1_700_000_000.0


def write_backlog(folder: Path, instrument_id: str, count: int) -> list[str]:
    """`count` small finished acquisitions, one second apart; returns their names, newest first."""
    names = []
    for i in range(count):
        mtime = START + i
        if instrument_id == "thermo1":
            name = f"20231114_PRJ1_{i:05d}.raw"
            paths = [folder / name]
        elif instrument_id == "bruker1":
            name = f"20231114_PRJ2_{i:05d}.d"
            (folder / name).mkdir()
            paths = [folder / name / "analysis.tdf_bin", folder / name]
        else:
            name = f"20231114_zeno_{i:05d}.wiff"
            paths = [folder / name, folder / f"20231114_zeno_{i:05d}.wiff.scan"]
        for path in paths:
            if not path.is_dir():
                path.write_bytes(b"k" * 200)
            os.utime(path, (mtime, mtime))
        names.append(name)
    return names[::-1]


def test_backlog_is_registered_and_finished_newest_first_in_pages_without_loss_or_doubles(make_config, mongo_db):
    config = make_config(timings={"watcher_page_size": PAGE, "size_stable_window_s": 60})
    newest_first = {i: write_backlog(config.instrument_folder(i), i, n) for i, n in FILES.items()}
    cursors: dict[str, str | None] = dict.fromkeys(FILES)
    registered: dict[str, list[str]] = {i: [] for i in FILES}
    finished: dict[str, list[str]] = {i: [] for i in FILES}
    now, ticks = START + 10_000, 0
    while True:
        busy = False
        for instrument_id, count in FILES.items():
            watcher = InstrumentWatcher(mongo_db, config, instrument_id)
            outcome = watcher.tick(WatcherState.from_cursor(cursors[instrument_id]), now=now)
            cursors[instrument_id] = outcome.state.to_cursor()
            assert len(outcome.registered) <= PAGE
            registered[instrument_id] += outcome.registered
            finished[instrument_id] += [f.raw_file_id for f in sorted(outcome.finished, key=lambda f: -f.mtime)]
            waiting = any(t.watch for t in outcome.state.files.values())
            busy = busy or bool(outcome.deferred or outcome.registered or waiting)
            if ticks == 0:
                assert outcome.registered == newest_first[instrument_id][:PAGE]
                assert outcome.deferred == count - PAGE
        ticks += 1
        if not busy:
            break
        now += 61
        assert ticks < 20, "the backlog should be worked off in a bounded number of ticks"

    for instrument_id, names in newest_first.items():
        assert registered[instrument_id] == names, f"{instrument_id}: registered newest first, each once"
        assert finished[instrument_id] == names, f"{instrument_id}: runs requested newest first, each once"
    assert ticks == 2000 // PAGE + 1  # one page per tick, then one tick to finish the last page
    docs = list(mongo_db.raw_file.find({}, {"_id": 1, "status": 1, "instrument_id": 1, "collision_flag": 1}))
    assert len(docs) == sum(FILES.values())
    assert {d["status"] for d in docs} == {"monitoring_done"}
    assert not any(d.get("collision_flag") for d in docs)
    for instrument_id, count in FILES.items():
        assert sum(d["instrument_id"] == instrument_id for d in docs) == count

    quiet = InstrumentWatcher(mongo_db, config, "thermo1").tick(WatcherState.from_cursor(cursors["thermo1"]), now=now)
    assert quiet.db_queries == 0 and not quiet.registered and not quiet.finished
