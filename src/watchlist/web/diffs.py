"""The diffs the Changes page shows, computed once per process in a background thread, so
a page never waits long: it asks for what it needs, waits a moment, and shows the ones not
done yet as in progress (the page then reloads itself until they are).

Comparing two versions of a large list field by field takes seconds (OFAC's SDN list,
7,000 changed parties: about 3 s on one core, more on a busy machine). Versions never
change once stored, so each pair is computed once and kept (`MAX_CACHED` pairs).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from watchlist.errors import StoreError
from watchlist.monitor.diff import VersionDiff, default_pair, diff_versions
from watchlist.store.store import Store, Version

MAX_CACHED = 64

Key = tuple[int, int]


class DiffCache:
    """Diffs of pairs of versions: kept when done, computed one at a time when asked."""

    def __init__(self, max_cached: int = MAX_CACHED) -> None:
        self.max_cached = max_cached
        self._done: OrderedDict[Key, VersionDiff] = OrderedDict()
        self._running: dict[Key, Future[VersionDiff]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watchlist-diff")

    def _compute(self, store: Store, old: Version, new: Version) -> VersionDiff:
        key = (old.id, new.id)
        try:
            found = diff_versions(store, old, new)
            with self._lock:
                self._done[key] = found
                while len(self._done) > self.max_cached:
                    self._done.popitem(last=False)
            return found
        finally:
            with self._lock:
                self._running.pop(key, None)

    def _lookup(self, store: Store, old: Version, new: Version
                ) -> VersionDiff | Future[VersionDiff]:
        key = (old.id, new.id)
        with self._lock:
            found = self._done.get(key)
            if found is not None:
                return found
            running = self._running.get(key)
            if running is None:
                running = self._running[key] = self._pool.submit(self._compute, store, old, new)
            return running

    def start(self, store: Store, old: Version, new: Version) -> None:
        """Start computing a pair unless it is done or under way."""
        self._lookup(store, old, new)

    def get(self, store: Store, old: Version, new: Version, wait: float) -> VersionDiff | None:
        """The diff, waiting at most `wait` seconds for it; None when it is still running
        (an error computing it is raised here)."""
        found = self._lookup(store, old, new)
        if isinstance(found, VersionDiff):
            return found
        try:
            return found.result(timeout=max(0.0, wait))
        except FutureTimeout:
            return None

    def warm(self, store: Store) -> None:
        """Start on every serving list's last update (what the Changes page opens on)."""
        for version in store.serving():
            try:
                old, new = default_pair(store, version.source)
            except StoreError:
                continue  # the first version of its list: nothing to compare
            self.start(store, old, new)
