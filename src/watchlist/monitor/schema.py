"""The tables of ongoing monitoring: the customer book and its history, monitor runs, the
screenings they did, the alerts they raised, and every decision on an alert.

They live on the store's MetaData, so one `create_all` (or one migration) covers them.
Portable SQLAlchemy Core only: JSON is kept as text, times as ISO 8601 strings (UTC).
"""

from __future__ import annotations

import weakref

from sqlalchemy import (
    Column,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from watchlist.store.schema import metadata

#: Every alert status. `new`, `reopened`, `escalated`, `match` and `pending-approval` (a
#: decision proposed, waiting for a second person) need action (`open`); `false-positive`,
#: `delisted` and `closed` do not.
PENDING = "pending-approval"
OPEN_STATUSES = ("new", "reopened", "escalated", "match", PENDING)
CLOSED_STATUSES = ("false-positive", "delisted", "closed")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES
#: The longest customer id a store takes (PostgreSQL enforces it; SQLite would not).
CUSTOMER_ID_MAX = 200

customers = Table(
    "customers",
    metadata,
    Column("id", String(CUSTOMER_ID_MAX), primary_key=True),
    Column("data", Text, nullable=False),  # the query fields as JSON (name, schema, ...)
    Column("hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("removed_at", String(40)),
    # What the customer was last screened as and against: its hash, and {source: version id}.
    Column("screened_hash", String(64)),
    Column("screened_versions", Text),
    Column("screened_at", String(40)),
    Column("screened_run", Integer),
    # The name tokens and identifiers the delta pre-check needs (JSON, with the digest of
    # the name code that made them): kept so a delta run need not prepare every name.
    Column("keys", Text),
)

customer_history = Table(
    "customer_history",
    metadata,
    Column("customer_id", String(CUSTOMER_ID_MAX), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("change", String(20), nullable=False),  # created, updated, removed, restored
    Column("data", Text),  # null for a removal
    Column("hash", String(64)),
    Column("valid_from", String(40), nullable=False),
    Column("valid_to", String(40)),
    Column("origin", Text, nullable=False),  # the file imported, or who removed it
)

monitor_runs = Table(
    "monitor_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("status", String(20), nullable=False),  # running, done, failed
    Column("actor", String(300), nullable=False),
    Column("mode", String(20), nullable=False),  # delta or full
    Column("versions", Text, nullable=False),  # the serving versions screened against
    Column("index_key", String(64), nullable=False),
    Column("stats", Text),
)

screenings = Table(
    "screenings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("monitor_runs.id"), nullable=False),
    Column("customer_id", String(CUSTOMER_ID_MAX), nullable=False),
    Column("at", String(40), nullable=False),
    Column("mode", String(20), nullable=False),  # full, delta
    Column("customer_hash", String(64), nullable=False),
    Column("since_versions", Text),  # delta: the {source: version id} it was screened from
    Column("hits", Integer, nullable=False),
    Column("error", Text),
    Index("ix_screenings_customer", "customer_id"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(CUSTOMER_ID_MAX), nullable=False),
    Column("profile_id", String(64), nullable=False),
    Column("entity_id", String(300), nullable=False),
    Column("entity_ids", Text, nullable=False),
    Column("matched_entity_id", String(300), nullable=False),
    Column("caption", Text, nullable=False),
    Column("schema", String(50), nullable=False),
    Column("score", Float, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("designations", Text, nullable=False),
    Column("versions", Text, nullable=False),
    Column("status", String(20), nullable=False),
    # Why it was raised: customer-new, customer-changed, listing-added, listing-changed,
    # full-rescreen.
    Column("cause", String(30), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("run_id", Integer, ForeignKey("monitor_runs.id")),
    Column("last_seen_run", Integer),
    Column("customer_hash", String(64), nullable=False),
    Column("listing_hash", String(64), nullable=False),
    # At the last decision: what the customer and the listing were, and the list versions.
    Column("decided_customer_hash", String(64)),
    Column("decided_customer_version", Integer),
    Column("decided_listing_hash", String(64)),
    Column("decided_versions", Text),
    Column("changes", Text),  # what changed when it reopened (JSON)
    # Who works on it: a user's name or `team:<name>`, and since when.
    Column("assignee", String(300)),
    Column("assigned_at", String(40)),
    # A decision proposed under four-eyes, until approved or rejected: the decision, its
    # reason code and text, who proposed it and when, and the status it was proposed from.
    Column("proposed_decision", String(20)),
    Column("proposed_reason_code", String(60)),
    Column("proposed_reason", Text),
    Column("proposed_by", String(300)),
    Column("proposed_at", String(40)),
    Column("proposed_from", String(20)),
    Index("ix_alerts_customer", "customer_id"),
    Index("ix_alerts_status", "status"),
    Index("ix_alerts_assignee", "assignee"),
)

alert_decisions = Table(
    "alert_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("previous_status", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(300), nullable=False),  # who decided
    Column("at", String(40), nullable=False),
    Column("customer_hash", String(64)),
    Column("listing_hash", String(64)),
    Column("audit_seq", Integer),
    Column("reason_code", String(60)),
    # For an approval or a rejection: the decision proposed.
    Column("proposal", String(20)),
    Index("ix_alert_decisions_alert", "alert_id"),
)

TABLES = [customers, customer_history, monitor_runs, screenings, alerts, alert_decisions]

_READY: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_tables(engine: Engine) -> None:
    """Create the monitoring tables (and the audit tables decisions append to) in a store
    opened before this module was imported."""
    if engine in _READY:
        return
    from watchlist.store.audit import audit_head, audit_log

    metadata.create_all(engine, tables=[*TABLES, audit_log, audit_head])
    _READY.add(engine)
