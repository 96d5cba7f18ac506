"""API keys: created once, stored hashed, checked in constant time, revoked by id or name.

A key reads `wl_<key id>_<secret>`. The key id is public (it is what `keys list` shows and
what the audit log records); the secret is 32 random bytes and is never stored: the store
keeps only the SHA-256 of the whole key. A presented key is looked up by its id and its
hash compared with `hmac.compare_digest`. A high-entropy random secret needs no slow
password hash: SHA-256 of 256 random bits cannot be reversed or brute-forced.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, insert, select, update

from watchlist.errors import StoreError
from watchlist.store.schema import metadata
from watchlist.store.store import Store, now_iso

#: Roles, least first: `screen` (screening, alerts: decisions proposed), `approve` (also
#: approves or rejects others' decisions under four-eyes), `admin` (everything).
ROLES = ("screen", "approve", "admin")
#: What each role may do beyond its own name.
_GRANTS = {"screen": ("screen",), "approve": ("screen", "approve"), "admin": ROLES}


def role_allows(held: str, needed: str) -> bool:
    """Whether a key or user with role `held` may do what needs role `needed`."""
    return needed in _GRANTS.get(held, ())
PREFIX = "wl"
NAME_MAX = 200
_KEY_RE = re.compile(r"^wl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(12), nullable=False),
    Column("name", String(NAME_MAX), nullable=False),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Index("ix_api_keys_key_id", "key_id", unique=True),
)


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    key_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, role: str) -> bool:
        """Whether this key may call an endpoint needing `role` (admin may do everything)."""
        return self.active and role_allows(self.role, role)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "active": self.active}


def ensure_tables(store: Store) -> None:
    """Create the keys table in a store opened before this module was imported."""
    api_keys.create(store.engine, checkfirst=True)


def hash_key(raw: str) -> str:
    """The stored form of a key: SHA-256 hex of its UTF-8 bytes."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _row(row: Any) -> ApiKey:
    return ApiKey(key_id=row.key_id, name=row.name, role=row.role,
                  created_at=row.created_at, revoked_at=row.revoked_at)


def create_key(store: Store, name: str, role: str) -> tuple[ApiKey, str]:
    """A new key: its stored record and the raw key, which is shown once and never stored."""
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; use {' or '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise StoreError("a key needs a name")
    if len(name) > NAME_MAX:
        raise StoreError(f"a key name is at most {NAME_MAX} characters (this one has "
                         f"{len(name)})")
    ensure_tables(store)
    key_id = secrets.token_hex(6)
    raw = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    created = now_iso()
    with store.engine.begin() as conn:
        conn.execute(insert(api_keys).values(key_id=key_id, name=name, role=role,
                                             key_hash=hash_key(raw), created_at=created))
    return ApiKey(key_id, name, role, created, None), raw


def list_keys(store: Store, include_revoked: bool = True) -> list[ApiKey]:
    """Every key, oldest first."""
    ensure_tables(store)
    query = select(api_keys).order_by(api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(query)]


def revoke_key(store: Store, ref: str) -> list[ApiKey]:
    """Revoke the active key with this key id, or every active key with this name."""
    ensure_tables(store)
    with store.engine.begin() as conn:
        rows = conn.execute(select(api_keys).where(api_keys.c.key_id == ref)).all()
        if not rows:
            rows = conn.execute(select(api_keys).where(api_keys.c.name == ref)).all()
        if not rows:
            raise StoreError(f"no key with id or name {ref!r}")
        active = [r for r in rows if r.revoked_at is None]
        if not active:
            raise StoreError(f"key {ref!r} is already revoked")
        when = now_iso()
        conn.execute(update(api_keys).where(api_keys.c.id.in_([r.id for r in active]))
                     .values(revoked_at=when))
    return [ApiKey(r.key_id, r.name, r.role, r.created_at, when) for r in active]


def verify_key(store: Store, raw: str) -> ApiKey | None:
    """The active key matching a presented raw key, or None."""
    match = _KEY_RE.match(raw.strip())
    if match is None:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == match.group(1))).first()
    if row is None:
        # Compare anyway so an unknown id costs the same as a wrong secret.
        hmac.compare_digest(hash_key(raw), "0" * 64)
        return None
    if not hmac.compare_digest(hash_key(raw.strip()), row.key_hash):
        return None
    key = _row(row)
    return key if key.active else None
