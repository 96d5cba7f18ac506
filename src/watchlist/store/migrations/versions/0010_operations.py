"""Unattended operation: the updater's lease (`operation_locks`), each list's scheduled
checks (`source_checks`), webhooks and their deliveries (`webhooks`,
`webhook_deliveries`).

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-06

New tables only; a table the code's own `create_all` made already is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "operation_locks" not in existing:
        op.create_table(
            "operation_locks",
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("holder", sa.String(200), nullable=False),
            sa.Column("acquired_at", sa.String(40), nullable=False),
            sa.Column("expires_at", sa.Float(), nullable=False),
        )
    if "source_checks" not in existing:
        op.create_table(
            "source_checks",
            sa.Column("source", sa.String(100), primary_key=True),
            sa.Column("last_attempt_at", sa.String(40), nullable=False),
            sa.Column("last_success_at", sa.String(40)),
            sa.Column("outcome", sa.String(20), nullable=False),
            sa.Column("message", sa.Text()),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("next_due_at", sa.Float(), nullable=False),
        )
    if "webhooks" not in existing:
        op.create_table(
            "webhooks",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("url", sa.Text(), nullable=False),
            sa.Column("secret", sa.String(200), nullable=False),
            sa.Column("events", sa.Text(), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_by", sa.String(300), nullable=False),
            sa.Column("created_at", sa.String(40), nullable=False),
        )
    if "webhook_deliveries" not in existing:
        op.create_table(
            "webhook_deliveries",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("webhook_id", sa.Integer(), nullable=False),
            sa.Column("event", sa.String(50), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.Float(), nullable=False),
            sa.Column("last_code", sa.Integer()),
            sa.Column("last_error", sa.Text()),
            sa.Column("created_at", sa.String(40), nullable=False),
            sa.Column("delivered_at", sa.String(40)),
        )
        op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries",
                        ["webhook_id"])
        op.create_index("ix_webhook_deliveries_status", "webhook_deliveries", ["status"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_status", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_webhook_id", table_name="webhook_deliveries")
    for table in ("webhook_deliveries", "webhooks", "source_checks", "operation_locks"):
        op.drop_table(table)
