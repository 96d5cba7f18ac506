"""Sign-in state shared by every worker and server: open web sessions (so signing out, a
new password, disabling a user or changing their role ends them), failed sign-ins per
name (counted atomically, for unknown names too) and per client address.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

`web_users.failed_logins` and `locked_until` move to `sign_in_failures` (a lock in force
is carried over); existing session cookies name no open session, so users sign in again.
A table the code's own `create_all` made already is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "web_sessions" not in existing:
        _web_sessions()
    if "sign_in_failures" not in existing:
        _sign_in_failures()
    if "sign_in_attempts" not in existing:
        _sign_in_attempts()
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("web_users")}
    if "failed_logins" not in columns:
        return
    op.execute(
        "INSERT INTO sign_in_failures (name, failures, locked_until, last_failed_at) "
        "SELECT name, failed_logins, locked_until, COALESCE(locked_until, created_at) "
        "FROM web_users WHERE failed_logins > 0 OR locked_until IS NOT NULL")
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")


def _web_sessions() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_sessions_kind_ref", "web_sessions", ["kind", "ref"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])


def _sign_in_failures() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(length=40), nullable=True),
        sa.Column("last_failed_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_sign_in_failures_last_failed_at", "sign_in_failures",
                    ["last_failed_at"])


def _sign_in_attempts() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempts_address_at_ms", "sign_in_attempts",
                    ["address", "at_ms"])


def downgrade() -> None:
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE web_users SET failed_logins = (SELECT failures FROM sign_in_failures f "
        "WHERE f.name = web_users.name), locked_until = (SELECT locked_until FROM "
        "sign_in_failures f WHERE f.name = web_users.name) "
        "WHERE name IN (SELECT name FROM sign_in_failures)")
    op.drop_table("sign_in_attempts")
    op.drop_table("sign_in_failures")
    op.drop_table("web_sessions")
