"""Write locks taken inside a transaction, so writers that must not interleave take turns.

SQLite has one database-wide write lock: `BEGIN IMMEDIATE` takes it up front, before the
transaction reads what it will write after. PostgreSQL takes a transaction-level advisory
lock on a key naming what is being written (released at commit or rollback, or when the
connection dies); after it, each statement of a READ COMMITTED transaction sees everything
the previous holder committed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from watchlist.errors import StoreError

#: Advisory lock keys, ASCII in a 64-bit int: what each lock serialises.
AUDIT = 0x776C2D6175646974  # "wl-audit": appends to the audit log (and job starts)
MIGRATE = 0x776C2D6D69677261  # "wl-migra": schema migrations
IMPORT = 0x776C2D696D706F72  # "wl-impor": writing list versions


def write_lock(conn: Connection, key: int) -> None:
    """Take the write lock for `key` as the first statement of `conn`'s transaction."""
    dialect = conn.engine.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        raise StoreError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


def also_lock(conn: Connection, key: int) -> None:
    """Take the lock for `key` too, later in a transaction begun with `write_lock`: nothing
    more on SQLite (its one write lock covers the database), an advisory lock on PostgreSQL.
    Take locks in the order IMPORT, AUDIT, so two writers never wait on each other."""
    if conn.engine.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
