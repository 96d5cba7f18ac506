"""Ownership data: each import of the user's relations (a version of a dataset) and its
relations (`watchlist.ownership.stored`).

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-06

A table the code's own `create_all` made already is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "ownership_imports" not in existing:
        op.create_table(
            "ownership_imports",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("dataset", sa.String(100), nullable=False),
            sa.Column("seq", sa.Integer, nullable=False),
            sa.Column("format", sa.String(30), nullable=False),
            sa.Column("filename", sa.Text, nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("imported_at", sa.String(40), nullable=False),
            sa.Column("relations", sa.Integer, nullable=False),
        )
        op.create_index("ix_ownership_imports_dataset", "ownership_imports",
                        ["dataset", "seq"], unique=True)
    if "ownership_relations" not in existing:
        op.create_table(
            "ownership_relations",
            sa.Column("import_id", sa.Integer, sa.ForeignKey("ownership_imports.id"),
                      primary_key=True),
            sa.Column("n", sa.Integer, primary_key=True),
            sa.Column("owner", sa.String(300), nullable=False),
            sa.Column("owned", sa.String(300), nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("low", sa.Float),
            sa.Column("high", sa.Float),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("as_of", sa.String(20), nullable=False),
            sa.Column("owner_name", sa.Text, nullable=False),
            sa.Column("owned_name", sa.Text, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("ownership_relations")
    op.drop_index("ix_ownership_imports_dataset", table_name="ownership_imports")
    op.drop_table("ownership_imports")
