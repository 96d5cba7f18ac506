"""Alert review: assignment (`assignee`, `assigned_at`), decisions proposed under
four-eyes until approved or rejected (`proposed_*` on alerts), and each decision's reason
code and, for an approval or rejection, the decision proposed (`watchlist.monitor.review`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

A column the code's own `create_all` made already is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ALERT_COLUMNS = (
    ("assignee", sa.String(300)),
    ("assigned_at", sa.String(40)),
    ("proposed_decision", sa.String(20)),
    ("proposed_reason_code", sa.String(60)),
    ("proposed_reason", sa.Text()),
    ("proposed_by", sa.String(300)),
    ("proposed_at", sa.String(40)),
    ("proposed_from", sa.String(20)),
)
DECISION_COLUMNS = (("reason_code", sa.String(60)), ("proposal", sa.String(20)))


def _add(table: str, columns: tuple[tuple[str, sa.types.TypeEngine], ...]) -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
    missing = [(name, kind) for name, kind in columns if name not in have]
    if missing:
        with op.batch_alter_table(table) as batch:
            for name, kind in missing:
                batch.add_column(sa.Column(name, kind, nullable=True))


def upgrade() -> None:
    _add("alerts", ALERT_COLUMNS)
    _add("alert_decisions", DECISION_COLUMNS)
    have = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("alerts")}
    if "ix_alerts_assignee" not in have:
        op.create_index("ix_alerts_assignee", "alerts", ["assignee"])


def downgrade() -> None:
    op.drop_index("ix_alerts_assignee", table_name="alerts")
    with op.batch_alter_table("alert_decisions") as batch:
        for name, _kind in DECISION_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table("alerts") as batch:
        for name, _kind in ALERT_COLUMNS:
            batch.drop_column(name)
