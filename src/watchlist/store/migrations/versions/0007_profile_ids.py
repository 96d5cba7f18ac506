"""Stable profile ids: the profile id each list record last belonged to, the profiles
merged into another, and what each index build changed in the profiles
(`watchlist.profiles.identity`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

The first index build after the upgrade fills the tables with the ids profiles had.
A table the code's own `create_all` made already is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "profile_members" not in existing:
        op.create_table(
            "profile_members",
            sa.Column("record_id", sa.String(300), primary_key=True),
            sa.Column("profile_id", sa.String(64), nullable=False),
        )
        op.create_index("ix_profile_members_profile", "profile_members", ["profile_id"])
    if "profile_merges" not in existing:
        op.create_table(
            "profile_merges",
            sa.Column("profile_id", sa.String(64), primary_key=True),
            sa.Column("into_id", sa.String(64), nullable=False),
            sa.Column("at", sa.String(40), nullable=False),
        )
    if "profile_changes" not in existing:
        op.create_table(
            "profile_changes",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", sa.String(40), nullable=False),
            sa.Column("versions", sa.Text, nullable=False),
            sa.Column("change", sa.String(10), nullable=False),
            sa.Column("profile_id", sa.String(64), nullable=False),
            sa.Column("other_id", sa.String(64)),
            sa.Column("record_id", sa.String(300)),
            sa.Column("source", sa.String(100)),
            sa.Column("evidence", sa.Text),
        )
        op.create_index("ix_profile_changes_record", "profile_changes", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_profile_changes_record", table_name="profile_changes")
    op.drop_table("profile_changes")
    op.drop_table("profile_merges")
    op.drop_index("ix_profile_members_profile", table_name="profile_members")
    op.drop_table("profile_members")
