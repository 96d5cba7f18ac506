"""Opening a SQLite store: many processes opening a new file at once all get in."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

from watchlist.store.store import _sqlite_pragmas


def _open_and_write(path: str, go: str, results: multiprocessing.Queue) -> None:
    while not Path(go).exists():
        time.sleep(0.0005)
    try:
        conn = sqlite3.connect(path, timeout=0.0)
        _sqlite_pragmas(conn, None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        conn.commit()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        conn.close()
        results.put(mode)
    except Exception as exc:  # reported to the test, which names it
        results.put(repr(exc))


def test_processes_opening_a_new_sqlite_file_at_once_all_switch_it_to_wal(
        tmp_path: Path) -> None:
    # Switching a new file to WAL is refused at once (not after the busy timeout) to a
    # process that would deadlock; without a retry about one round in three failed here.
    ctx = multiprocessing.get_context("fork")
    outcomes: list[str] = []
    for round_ in range(40):
        folder = tmp_path / str(round_)
        folder.mkdir()
        results: multiprocessing.Queue = ctx.Queue()
        go = folder / "go"
        procs = [ctx.Process(target=_open_and_write,
                             args=(str(folder / "store.sqlite"), str(go), results))
                 for _ in range(4)]
        for proc in procs:
            proc.start()
        time.sleep(0.02)
        go.touch()
        for proc in procs:
            proc.join(timeout=60)
        outcomes += [results.get(timeout=5) for _ in procs]
    assert set(outcomes) == {"wal"}, [o for o in outcomes if o != "wal"][:3]
