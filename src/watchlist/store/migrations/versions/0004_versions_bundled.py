"""`versions.bundled`: the date of the snapshot bundled in the package that a version was
imported from (None for a version from a publisher or a user's file).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

A bundled snapshot is an old copy shipped with watchlist for machines that cannot reach
the publishers; every place naming such a version says so, and this column is how they know.
Adding a nullable column rewrites no rows (SQLite and PostgreSQL alike). A store whose
tables were made by the code's own `create_all` (adopted by 0001) may have it already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("versions")}
    if "bundled" in columns:
        return
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundled", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("bundled")
