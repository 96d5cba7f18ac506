"""The audit log's `prev_hash` is no longer a unique (indexed) column.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Each entry's `prev_hash` is a random key, so its unique index put every append on another
page of that index: on a store holding 3.5 million entries an append took 35 microseconds
in the index instead of 5, ever more as the log grows, and every page written is also
written again by the checkpoint. The chain cannot fork without it: appends take the log's
write lock, and `seq`, the primary key, refuses a second entry after the same head.

On SQLite dropping the constraint rebuilds the audit table (alembic's batch mode copies its
rows): once, when a store is first opened by this version (5 minutes for 3.7 million
entries, a 8 GB store, on a 2-core machine). The file keeps the pages the old table used;
later writes reuse them, and `VACUUM` gives them back to the file system.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _prev_hash_unique() -> list[dict]:
    """The unique constraint on `prev_hash`, if the store has it (a store whose audit table
    was made by code newer than 0001's has not)."""
    return [c for c in sa.inspect(op.get_bind()).get_unique_constraints("audit_log")
            if c["column_names"] == ["prev_hash"]]


def upgrade() -> None:
    found = _prev_hash_unique()
    if not found:
        return
    if op.get_bind().dialect.name == "sqlite":
        # SQLite names no constraint; the convention names it so that it can be dropped.
        with op.batch_alter_table("audit_log", naming_convention=_SQLITE_NAMES) as batch:
            batch.drop_constraint("uq_audit_log_prev_hash", type_="unique")
        return
    op.drop_constraint(found[0]["name"], "audit_log", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.create_unique_constraint("uq_audit_log_prev_hash", ["prev_hash"])
