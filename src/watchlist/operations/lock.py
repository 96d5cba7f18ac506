"""A lease in the store that one process holds at a time: the updater's, shared by every
worker and every server over one store (SQLite or PostgreSQL).

Taking, renewing and releasing run under the store's write lock (`store.locking`), so two
takers never both see the lease free. A holder that dies leaves the lease to expire; a
live one renews it while it works.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, insert, select, update

from watchlist.operations.schema import operation_locks
from watchlist.store.locking import write_lock
from watchlist.store.store import Store, now_iso

#: PostgreSQL advisory lock key ("wl-lease") serialising changes to the leases.
LEASE = 0x776C2D6C65617365
UPDATER = "updater"


def holder_id() -> str:
    """A name for this process that no other process shares: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(store: Store, name: str, holder: str, lease: float) -> bool:
    """Take (or renew, for its holder) the lease `name` for `lease` seconds; whether taken."""
    now = time.time()
    with store.engine.connect() as conn:
        write_lock(conn, LEASE)
        row = conn.execute(select(operation_locks)
                           .where(operation_locks.c.name == name)).first()
        if row is not None and row.holder != holder and row.expires_at > now:
            conn.rollback()
            return False
        values = dict(holder=holder, acquired_at=now_iso(), expires_at=now + lease)
        if row is None:
            conn.execute(insert(operation_locks).values(name=name, **values))
        else:
            conn.execute(update(operation_locks).where(operation_locks.c.name == name)
                         .values(**values))
        conn.commit()
    return True


def release(store: Store, name: str, holder: str) -> None:
    """Give the lease up, if this holder has it."""
    with store.engine.connect() as conn:
        write_lock(conn, LEASE)
        conn.execute(delete(operation_locks).where(operation_locks.c.name == name)
                     .where(operation_locks.c.holder == holder))
        conn.commit()


def current_holder(store: Store, name: str) -> str | None:
    """Who holds the lease now (None when free or expired)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(operation_locks)
                           .where(operation_locks.c.name == name)).first()
    return row.holder if row is not None and row.expires_at > time.time() else None


@contextmanager
def held(store: Store, name: str, holder: str, lease: float) -> Iterator[bool]:
    """The lease for a `with` block (whether it was taken), renewed every third of the
    lease while the block runs, released at its end."""
    if not acquire(store, name, holder, lease):
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease / 3):
            acquire(store, name, holder, lease)

    renewer = threading.Thread(target=renew, name=f"watchlist-lease-{name}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        release(store, name, holder)
