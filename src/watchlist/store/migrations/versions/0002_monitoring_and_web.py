"""Monitoring (customers, their history, runs, screenings, alerts and decisions) and the web
interface (users, its secrets).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Their modules made these tables on first use before this revision existed: each table is
created only when it is missing, so such a store is adopted with every row kept.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _customer_history() -> None:
    op.create_table(
        "customer_history",
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("valid_from", sa.String(length=40), nullable=False),
        sa.Column("valid_to", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "version"),
    )


def _customers() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("removed_at", sa.String(length=40), nullable=True),
        sa.Column("screened_hash", sa.String(length=64), nullable=True),
        sa.Column("screened_versions", sa.Text(), nullable=True),
        sa.Column("screened_at", sa.String(length=40), nullable=True),
        sa.Column("screened_run", sa.Integer(), nullable=True),
        sa.Column("keys", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def _monitor_runs() -> None:
    op.create_table(
        "monitor_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.String(length=40), nullable=False),
        sa.Column("finished_at", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("index_key", sa.String(length=64), nullable=False),
        sa.Column("stats", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def _web_secrets() -> None:
    op.create_table(
        "web_secrets",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def _web_users() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("disabled_at", sa.String(length=40), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(length=40), nullable=True),
        sa.Column("last_login_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def _alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("profile_id", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=300), nullable=False),
        sa.Column("entity_ids", sa.Text(), nullable=False),
        sa.Column("matched_entity_id", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("schema", sa.String(length=50), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("designations", sa.Text(), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_run", sa.Integer(), nullable=True),
        sa.Column("customer_hash", sa.String(length=64), nullable=False),
        sa.Column("listing_hash", sa.String(length=64), nullable=False),
        sa.Column("decided_customer_hash", sa.String(length=64), nullable=True),
        sa.Column("decided_customer_version", sa.Integer(), nullable=True),
        sa.Column("decided_listing_hash", sa.String(length=64), nullable=True),
        sa.Column("decided_versions", sa.Text(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["monitor_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alerts_customer", "alerts", ["customer_id"], unique=False)
    op.create_index("ix_alerts_status", "alerts", ["status"], unique=False)


def _screenings() -> None:
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("customer_hash", sa.String(length=64), nullable=False),
        sa.Column("since_versions", sa.Text(), nullable=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["monitor_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screenings_customer", "screenings", ["customer_id"], unique=False)


def _alert_decisions() -> None:
    op.create_table(
        "alert_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("customer_hash", sa.String(length=64), nullable=True),
        sa.Column("listing_hash", sa.String(length=64), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_decisions_alert", "alert_decisions", ["alert_id"], unique=False)


#: In creation order (tables referred to first); dropped in the reverse order.
TABLES: dict[str, Callable[[], None]] = {
    "customer_history": _customer_history,
    "customers": _customers,
    "monitor_runs": _monitor_runs,
    "web_secrets": _web_secrets,
    "web_users": _web_users,
    "alerts": _alerts,
    "screenings": _screenings,
    "alert_decisions": _alert_decisions,
}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
