"""The sessions signed in now, kept in the store so they can be ended server-side.

A signed cookie alone stays valid until it expires, whatever happens on the server; so each
sign-in also makes a row here, keyed by the SHA-256 of a random token the cookie carries,
and a cookie counts only while its row exists. Signing out deletes the row; a new password,
disabling a user or changing their role deletes all of that user's rows, in every worker
and on every server sharing the store.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Index, String, Table, delete, insert, select

from watchlist.store.schema import metadata
from watchlist.store.store import Store

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Index("ix_web_sessions_kind_ref", "kind", "ref"),
    Index("ix_web_sessions_expires_at", "expires_at"),
)


def ensure_tables(store: Store) -> None:
    """Create the sessions table in a store opened before this module was imported."""
    web_sessions.create(store.engine, checkfirst=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def open_session(store: Store, kind: str, ref: str, seconds: int) -> str:
    """A new session for a user or key, valid `seconds`: the token its cookie carries.
    Sessions expired meanwhile are removed on the way."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with store.engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now.isoformat()))
        conn.execute(insert(web_sessions).values(
            id=_digest(token), kind=kind, ref=ref, created_at=now.isoformat(),
            expires_at=(now + timedelta(seconds=seconds)).isoformat()))
    return token


def is_open(store: Store, token: str, kind: str, ref: str) -> bool:
    """Whether the session with this token is still open for this user or key."""
    query = select(web_sessions.c.kind, web_sessions.c.ref, web_sessions.c.expires_at).where(
        web_sessions.c.id == _digest(token))
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return (row is not None and row.kind == kind and row.ref == ref
            and row.expires_at > _now().isoformat())


def end_session(store: Store, token: str) -> None:
    """End one session (signing out)."""
    with store.engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.id == _digest(token)))


def end_sessions_of(store: Store, kind: str, ref: str) -> int:
    """End every session of a user or key; how many were open."""
    ensure_tables(store)
    with store.engine.begin() as conn:
        result = conn.execute(delete(web_sessions).where(
            (web_sessions.c.kind == kind) & (web_sessions.c.ref == ref)))
    return int(result.rowcount or 0)
