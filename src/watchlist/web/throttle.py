"""A limit on failed sign-ins per client address, so one address cannot try password after
password (across many user names, where the per-account lock does not help) or guess API
keys: after `MAX_FAILURES` failures within `WINDOW_SECONDS`, that address's sign-ins are
refused, before any password is checked, until the oldest failure leaves the window.

Kept in the store (`sign_in_attempts`), so the limit holds across worker processes and
servers. Each sign-in first takes a row for its address and then counts the rows in the
window, its own included: concurrent attempts all see one another, so no more than
`MAX_FAILURES` are ever checked at once or within a window. A successful sign-in gives its
row back; a failed one leaves it until it leaves the window. Rows older than the window
are deleted as sign-ins come, so the table stays small.
"""

from __future__ import annotations

import time

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from watchlist.store.schema import metadata
from watchlist.store.store import Store

MAX_FAILURES = 20
WINDOW_SECONDS = 300
ADDRESS_MAX = 64

sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("address", String(ADDRESS_MAX), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_sign_in_attempts_address_at_ms", "address", "at_ms"),
)


class TooManySignIns(Exception):
    """This address failed too often lately: refused for `wait` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {wait} s")
        self.wait = wait


class SignInLimit:
    """Failed sign-ins per address within a sliding window, counted in the store."""

    def __init__(self, store: Store, max_failures: int = MAX_FAILURES,
                 window: float = WINDOW_SECONDS) -> None:
        self.store = store
        self.max_failures = max_failures
        self.window_ms = int(window * 1000)

    def admit(self, address: str, now: float | None = None) -> int:
        """Take an attempt for this address (its id), or TooManySignIns. The attempt
        counts as a failure unless `succeeded` gives it back."""
        at = _ms(now)
        address = address[:ADDRESS_MAX]
        table = sign_in_attempts
        with self.store.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.at_ms <= at - self.window_ms))
            wait = self._wait(conn, address, at)
            if wait:
                raise TooManySignIns(wait)
            attempt = conn.execute(insert(table).values(address=address, at_ms=at)
                                   .returning(table.c.id)).scalar_one()
        with self.store.engine.begin() as conn:  # counts the others committed meanwhile
            if self._count(conn, address, at) > self.max_failures:
                conn.execute(delete(table).where(table.c.id == attempt))
                raise TooManySignIns(self._wait(conn, address, at) or 1)
        return int(attempt)

    def succeeded(self, attempt: int) -> None:
        """A sign-in that succeeded is no failure: give its attempt back."""
        with self.store.engine.begin() as conn:
            conn.execute(delete(sign_in_attempts).where(sign_in_attempts.c.id == attempt))

    def wait(self, address: str, now: float | None = None) -> int:
        """Seconds until this address may try again (0: it may now)."""
        with self.store.engine.connect() as conn:
            return self._wait(conn, address[:ADDRESS_MAX], _ms(now))

    def _count(self, conn: Connection, address: str, at: int) -> int:
        table = sign_in_attempts
        return int(conn.execute(select(func.count()).select_from(table).where(
            (table.c.address == address) & (table.c.at_ms > at - self.window_ms))).scalar_one())

    def _wait(self, conn: Connection, address: str, at: int) -> int:
        """Seconds until fewer than `max_failures` attempts of this address are in the
        window: when the `max_failures`th newest leaves it."""
        table = sign_in_attempts
        oldest_blocking = conn.execute(
            select(table.c.at_ms)
            .where((table.c.address == address) & (table.c.at_ms > at - self.window_ms))
            .order_by(table.c.at_ms.desc()).offset(self.max_failures - 1).limit(1)).scalar()
        if oldest_blocking is None:
            return 0
        return max(1, -(-(int(oldest_blocking) + self.window_ms - at) // 1000))


def _ms(now: float | None) -> int:
    return int((time.time() if now is None else now) * 1000)
