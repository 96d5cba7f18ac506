"""Group commit for the audit log: the entries of every request waiting at one moment are
written in one transaction, and each request is answered only after its entries committed.

One commit per request would cap the service at the store's commit rate (and serialise
the workers on SQLite's write lock); one commit per group costs the same and serves many.
Nothing is answered unlogged: if the write fails, the waiting requests fail with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from typing import Any

from watchlist.store.audit import AuditEntry, append_audit_many
from watchlist.store.store import Store

log = logging.getLogger("watchlist.api")

Item = tuple[str, str, Any, Sequence[Any], Sequence[Any]]
_STOP = object()


@contextlib.contextmanager
def _process_turn(path: str | None) -> Iterator[None]:
    """Hold an exclusive file lock beside a SQLite store while writing.

    Worker processes of one server all append to the same log. SQLite makes a writer that
    finds the database locked sleep and poll, in steps of up to 100 ms, and every request
    of that worker waits with it; a file lock hands the turn over as soon as it is free.
    """
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _lock_path(store: Store) -> str | None:
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return f"{url.database}.audit-lock"


class AuditWriter:
    """A writer thread appending queued audit items in groups of up to `max_group`."""

    def __init__(self, store: Store, max_group: int = 1000) -> None:
        self.store = store
        self.max_group = max_group
        self.lock_path = _lock_path(store)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.groups = 0
        self.entries = 0

    def submit(self, items: Sequence[Item]) -> Future[list[AuditEntry]]:
        """Queue items (one request's entries, kept in order); the future gives their
        entries once committed, or the write's error."""
        future: Future[list[AuditEntry]] = Future()
        if not items:
            future.set_result([])
            return future
        self._start()
        self._queue.put((list(items), future))
        return future

    async def append(self, items: Sequence[Item]) -> list[AuditEntry]:
        """Queue items and wait, without blocking the event loop, until they are committed."""
        return await asyncio.wrap_future(self.submit(items))

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="watchlist-audit",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            stop = False
            while len(group) < self.max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                group.append(more)
            self._write(group)
            if stop:
                return

    def _write(self, group: list[tuple[list[Item], Future[list[AuditEntry]]]]) -> None:
        items = [item for request_items, _future in group for item in request_items]
        try:
            with _process_turn(self.lock_path):
                entries = append_audit_many(self.store, items)
        except Exception:  # noqa: BLE001 - retried one request at a time below
            log.exception("writing %d audit entries in one group failed; retrying singly",
                          len(items))
            for request_items, future in group:
                self._write_one(request_items, future)
            return
        self.groups += 1
        self.entries += len(entries)
        start = 0
        for request_items, future in group:
            end = start + len(request_items)
            future.set_result(entries[start:end])
            start = end

    def _write_one(self, items: list[Item], future: Future[list[AuditEntry]]) -> None:
        try:
            with _process_turn(self.lock_path):
                future.set_result(append_audit_many(self.store, items))
        except Exception as exc:  # noqa: BLE001 - the request fails with the write
            future.set_exception(exc)
