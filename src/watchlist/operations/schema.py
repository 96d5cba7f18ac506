"""The tables of unattended operation: the store-wide lease of the updater, and how each
list's last scheduled checks went."""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table, Text

from watchlist.store.schema import metadata

#: A named lease one process holds until it releases it or `expires_at` (Unix seconds)
#: passes: the updater's, so that one update runs at a time across workers and servers.
operation_locks = Table(
    "operation_locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", String(40), nullable=False),
    Column("expires_at", Float, nullable=False),
)

#: Per list: the last scheduled check, the last successful one, its outcome, the failures
#: in a row and when the next check is due (Unix seconds, jitter and backoff applied).
source_checks = Table(
    "source_checks",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("last_attempt_at", String(40), nullable=False),
    Column("last_success_at", String(40)),
    Column("outcome", String(20), nullable=False),
    Column("message", Text),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_due_at", Float, nullable=False),
)

TABLES = (operation_locks, source_checks)
