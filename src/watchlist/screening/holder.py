"""The screener a long-running service keeps: opened once, reopened in the background when
the serving list versions change, its index built in a child process so that building never
stalls a server. The API and the analysts' pages share one; `watchlist serve` builds the
index before its workers start."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from watchlist.errors import NotServing
from watchlist.index.build import index_on_disk, wait_for_updates
from watchlist.metrics import INDEX_BUILD
from watchlist.progress import IndexProgress
from watchlist.screener import Screener, parse_query
from watchlist.store.store import Store

log = logging.getLogger("watchlist.api")


def ensure_index(store: Store, timeout: float = 3600,
                 progress: IndexProgress | None = None) -> bool:
    """Build the screening index of the serving versions in a child process, unless it is
    built already; whether it was built. `progress` hears the child's progress.

    Building takes seconds to minutes of CPU; done in a server process it would stall the
    event loop (and uvicorn would restart the worker as unresponsive). The child persists
    the index next to the store, and the server process only loads it, which is quick.
    """
    if index_on_disk(store):
        return False
    started = time.perf_counter()
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "WATCHLIST_DATABASE_URL": store.url,
           "PYTHONPATH": os.pathsep.join(p for p in (package_root,
                                                     os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen([sys.executable, "-m", "watchlist.screening.holder"], env=env,
                                 stdout=subprocess.PIPE, stderr=errors, text=True)
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        try:
            assert child.stdout is not None
            built = False
            for line in child.stdout:
                stage, done, total = _progress_line(line)
                if stage == "built":
                    built = True
                elif stage and progress is not None:
                    progress(stage, done, total)
            code = child.wait()
        finally:
            killer.cancel()
        if code != 0:
            errors.seek(0)
            raise RuntimeError(f"building the screening index failed: "
                               f"{errors.read().strip()[-2000:]}")
    if built:
        INDEX_BUILD.observe(time.perf_counter() - started)
    return built


def _progress_line(line: str) -> tuple[str, int, int]:
    """A line of the child's progress (stage, done, total), or ("", 0, 0) for another line."""
    parts = line.rstrip("\n").split("\t")
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return "", 0, 0


def _print_progress(stage: str, done: int, total: int) -> None:
    print(f"{stage}\t{done}\t{total}", flush=True)


def open_screener(store: Store) -> Screener:
    """The screener of the store's serving versions, its index built out of process."""
    ensure_index(store)
    return Screener.open(store)


class ScreenerHolder:
    """The process's screener, reopened in the background when the serving versions change."""

    def __init__(self, store: Store,
                 opener: Callable[[Store], Screener] | None = None,
                 check_every: float = 0.0) -> None:
        self.store = store
        self.opener = opener or open_screener
        self.check_every = check_every
        self.lock = threading.Lock()
        self.screener: Screener | None = None
        self.refreshing = False
        self._serving: tuple[int, ...] = ()
        self._checked = float("-inf")
        self._versions: tuple[tuple[int, ...], list[Any]] | None = None

    @staticmethod
    def key_of(versions: Iterable[Any]) -> tuple[int, ...]:
        return tuple(sorted(int(v["id"] if isinstance(v, dict) else v.id) for v in versions))

    def serving_ids(self) -> tuple[int, ...]:
        """The serving version ids, read from the store at most once per `check_every`
        seconds: a new list version is noticed that much later, and the reads cost nothing
        under load."""
        now = time.monotonic()
        if now - self._checked >= self.check_every or not self._serving:
            self._serving = self.store.serving_ids()
            self._checked = now
        return self._serving

    def serving(self) -> list[Any]:
        """The serving versions (as `Store.serving()` gives them), re-read only when the
        serving ids change."""
        ids = self.serving_ids()
        cached = self._versions
        if cached is None or cached[0] != ids:
            cached = (ids, self.store.serving())
            self._versions = cached
        return list(cached[1])

    @property
    def loaded(self) -> bool:
        """Whether a screener is open (so `get` returns without loading an index)."""
        return self.screener is not None

    def get(self) -> Screener:
        """The screener; the first call opens it, later calls never wait for a reopen."""
        serving = self.serving_ids()
        if not serving:
            raise NotServing("no list is serving; run `watchlist update`")
        with self.lock:
            if self.screener is None:
                self.screener = self.opener(self.store)
                return self.screener
            current = self.screener
            if self.key_of(current.index.versions) != serving and not self.refreshing:
                self.refreshing = True
                threading.Thread(target=self._refresh, name="watchlist-screener",
                                 daemon=True).start()
            return current

    def _refresh(self) -> None:
        try:
            wait_for_updates()  # an update builds the new index: load that one when it ends
            fresh = self.opener(self.store)
        except Exception:  # noqa: BLE001 - the old screener goes on answering
            log.exception("could not open the screener of the new list versions")
            fresh = None
        with self.lock:
            if fresh is not None:
                self.screener = fresh
            self.refreshing = False
        if fresh is not None:
            _settle_heap()

    def warm(self) -> None:
        """Open the screener now (at startup), so the first request does not wait."""
        try:
            self.get()
            # Country names are tabulated on first use (seconds): do it now, not on the
            # event loop under the first request that names a country.
            parse_query({"name": "warm", "country": "de", "birth_date": "1970"})
        except Exception:  # noqa: BLE001 - the first request reports the problem
            log.warning("the screener could not be opened at startup", exc_info=True)
            return
        _settle_heap()


def _settle_heap() -> None:
    """Leave what is loaded by now (modules, the screener, country tables) out of the cycle
    collector's full passes: a worker holds some 30,000 such objects, and scanning them
    took about 10 ms every second under load, a pause every waiting request shared."""
    gc.collect()
    gc.freeze()


if __name__ == "__main__":  # `ensure_index` runs this in a child process
    from watchlist.index.build import build_missing_index

    if build_missing_index(Store(), _print_progress):
        _print_progress("built", 1, 1)
