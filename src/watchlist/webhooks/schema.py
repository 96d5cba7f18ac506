"""The webhooks an admin configured, and every delivery with its outcome."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, String, Table, Text

from watchlist.store.schema import metadata

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("events", Text, nullable=False),  # comma-separated event names
    Column("active", Boolean, nullable=False, default=True),
    Column("created_by", String(300), nullable=False),
    Column("created_at", String(40), nullable=False),
)

#: One payload for one webhook: `pending` until delivered (`delivered`) or given up on
#: (`failed`) after the last attempt; `next_attempt_at` is Unix seconds.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, nullable=False, index=True),
    Column("event", String(50), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_code", Integer),
    Column("last_error", Text),
    Column("created_at", String(40), nullable=False),
    Column("delivered_at", String(40)),
)

TABLES = (webhooks, webhook_deliveries)
