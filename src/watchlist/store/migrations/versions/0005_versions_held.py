"""`versions.held_at`, `versions.held_limit`: a version the shrink guard holds (stored, not
served, until accepted) and the limit it went over.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

A new version removing more than a set share of a list's targets (20% by default) is held:
the previous version keeps serving until someone accepts the new one. Adding nullable
columns rewrites no rows (SQLite and PostgreSQL alike); every stored version stays as it
is (none held). A store whose tables were made by the code's own `create_all` (adopted by
0001) may have them already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("versions")}
    with op.batch_alter_table("versions", schema=None) as batch_op:
        if "held_at" not in columns:
            batch_op.add_column(sa.Column("held_at", sa.String(length=40), nullable=True))
        if "held_limit" not in columns:
            batch_op.add_column(sa.Column("held_limit", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("held_limit")
        batch_op.drop_column("held_at")
