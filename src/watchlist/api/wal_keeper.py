"""Checkpoint a SQLite store's write-ahead log from a thread while the service runs.

SQLite copies its log back into the database file ("checkpoints") from whichever
connection commits once the log has grown past 1,000 pages. In the service that is the
audit write on the event loop: measured on the full store, one group commit in forty took
13-17 ms instead of under one, and the worker scored nothing meanwhile. So the service's
connections do not checkpoint; this thread does, whenever the log has grown past
`limit_bytes`, while holding the audit log's turn (the file lock every worker's writer
takes): the checkpoint copies everything, and the next write starts the log afresh, so it
stays small. A writer on the event loop that finds the turn taken does not wait for it
(see `AuditWriter`): the requests waiting on that write wait a few milliseconds more, the
loop goes on scoring the others.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from sqlalchemy import event

from watchlist.api.audit_writer import audit_lock_path, audit_turn
from watchlist.store.store import Store

log = logging.getLogger("watchlist.api")


def _leave_checkpoints_to_the_keeper(dbapi_conn: Any, limit_bytes: int) -> None:
    # After a checkpoint the next write starts the log afresh, and with a size limit
    # SQLite also cuts the file back to it: its size then says how much is new.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute(f"PRAGMA journal_size_limit={int(limit_bytes)}")
    cursor.close()


class WalKeeper:
    """A thread checkpointing a SQLite store's log when it passes `limit_bytes` (looked at
    every `every` seconds); does nothing for a PostgreSQL or in-memory store.

    Often and small is better than seldom and large: copying a whole second of log at once
    took ~190 ms under load, all writers waiting, against ~15 ms each tenth of a second.
    Most of the copying is done first without the turn, alongside the writers; only what
    they added meanwhile is copied while holding it."""

    def __init__(self, store: Store, every: float = 0.1,
                 limit_bytes: int = 4 * 1024 * 1024) -> None:
        self.store = store
        self.every = every
        self.limit_bytes = limit_bytes
        self.lock_path = audit_lock_path(store)
        self.active = self.lock_path is not None
        self.wal_path = f"{store.engine.url.database}-wal" if self.active else ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

        def listener(dbapi_conn: Any, _record: Any) -> None:  # one per keeper, to remove
            _leave_checkpoints_to_the_keeper(dbapi_conn, limit_bytes)

        self._listener = listener

    def start(self) -> None:
        """Stop the service's connections checkpointing, and start the thread."""
        if not self.active or self._thread is not None:
            return
        event.listen(self.store.engine, "connect", self._listener)
        self.store.engine.dispose()  # connections opened before would still checkpoint
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="watchlist-wal", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread, checkpoint once more, and let connections checkpoint again."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(30)
        if event.contains(self.store.engine, "connect", self._listener):
            event.remove(self.store.engine, "connect", self._listener)
        try:
            self.checkpoint()
        except Exception:  # noqa: BLE001 - the next connection to commit checkpoints
            log.warning("checkpointing the store's log failed", exc_info=True)
        self.store.engine.dispose()

    def wal_bytes(self) -> int:
        try:
            return os.path.getsize(self.wal_path)
        except OSError:
            return 0

    def _run(self) -> None:
        failures = 0
        while not self._stop.wait(self.every):
            if self.wal_bytes() <= self.limit_bytes:
                continue
            try:
                self.checkpoint()
                failures = 0
            except Exception:  # noqa: BLE001 - try again; the log only grows meanwhile
                failures += 1
                if failures in (1, 10, 100):
                    log.warning("checkpointing the store's log failed (%d times)", failures,
                                exc_info=True)

    def checkpoint(self) -> tuple[int, int, int]:
        """Copy the log into the database while no audit writer writes; (busy, log pages,
        pages copied) as SQLite reports them."""
        with self.store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            with audit_turn(self.lock_path):
                row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        self.checkpoints += 1
        return int(row[0]), int(row[1]), int(row[2])
