"""People who sign in to the web interface: a name, a role and an argon2 password hash.

Roles are the API keys' roles: `screen` (search, profiles, alerts, scan) and `admin` (also
list updates and the audit log). Passwords are hashed with argon2id (argon2-cffi's
defaults); the hash is rehashed on sign-in when those defaults get stronger. After
`MAX_FAILURES` wrong passwords in a row an account is locked for `LOCK_SECONDS`, so a
password cannot be guessed at network speed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Column, Integer, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from watchlist.errors import StoreError
from watchlist.store.keys import ROLES
from watchlist.store.schema import metadata
from watchlist.store.store import Store, now_iso

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_FAILURES = 10
LOCK_SECONDS = 300
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_HASHER = PasswordHasher()
_DUMMY: dict[int, str] = {}

web_users = Table(
    "web_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("disabled_at", String(40)),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", String(40)),
    Column("last_login_at", String(40)),
)


@dataclass(frozen=True)
class User:
    """A stored user, without the password hash."""

    name: str
    role: str
    created_at: str
    disabled_at: str | None
    last_login_at: str | None
    fingerprint: str

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "created_at": self.created_at,
                "disabled_at": self.disabled_at, "last_login_at": self.last_login_at,
                "active": self.active}


class SignInError(StoreError):
    """A sign-in refused: wrong name or password, disabled or locked account."""


def ensure_tables(store: Store) -> None:
    """Create the users table in a store opened before this module was imported."""
    web_users.create(store.engine, checkfirst=True)


def fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash: sessions carry it, so a new password ends them."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _row(row: Any) -> User:
    return User(name=row.name, role=row.role, created_at=row.created_at,
                disabled_at=row.disabled_at, last_login_at=row.last_login_at,
                fingerprint=fingerprint(row.password_hash))


def _dummy_hash() -> str:
    """A hash verified against when the user does not exist, so a wrong name costs as much
    as a wrong password and does not reveal which names exist (made on first use)."""
    key = id(_HASHER)
    if key not in _DUMMY:
        _DUMMY[key] = _HASHER.hash("watchlist-no-such-user")
    return _DUMMY[key]


def check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing, or absurdly long ones."""
    if len(password) < MIN_PASSWORD:
        raise StoreError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise StoreError(f"the password is too long: at most {MAX_PASSWORD} characters")


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME_RE.match(name):
        raise StoreError(f"invalid user name {name!r}: use letters, digits, '.', '_', '@' or "
                         "'-', starting with a letter or digit, at most 100 characters")
    return name


def create_user(store: Store, name: str, role: str, password: str) -> User:
    """A new user; the name must be free."""
    name = check_name(name)
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; use {' or '.join(ROLES)}")
    check_password(password)
    ensure_tables(store)
    hashed = _HASHER.hash(password)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(web_users).values(
                name=name, role=role, password_hash=hashed, created_at=now_iso(),
                failed_logins=0))
    except IntegrityError:
        raise StoreError(f"a user named {name!r} exists already") from None
    found = get_user(store, name)
    assert found is not None
    return found


def get_user(store: Store, name: str) -> User | None:
    ensure_tables(store)
    with store.engine.connect() as conn:
        row = conn.execute(select(web_users).where(web_users.c.name == name)).first()
    return _row(row) if row else None


def list_users(store: Store) -> list[User]:
    """Every user, oldest first."""
    ensure_tables(store)
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(select(web_users).order_by(web_users.c.id))]


def _existing(conn: Any, name: str) -> Any:
    row = conn.execute(select(web_users).where(web_users.c.name == name)).first()
    if row is None:
        raise StoreError(f"no user named {name!r}")
    return row


def set_password(store: Store, name: str, password: str) -> User:
    """A new password (which ends the user's sessions) and a cleared lock."""
    check_password(password)
    ensure_tables(store)
    with store.engine.begin() as conn:
        _existing(conn, name)
        conn.execute(update(web_users).where(web_users.c.name == name).values(
            password_hash=_HASHER.hash(password), failed_logins=0, locked_until=None))
    found = get_user(store, name)
    assert found is not None
    return found


def set_disabled(store: Store, name: str, disabled: bool) -> User:
    """Disable a user (their sessions end at once) or enable them again."""
    ensure_tables(store)
    with store.engine.begin() as conn:
        _existing(conn, name)
        conn.execute(update(web_users).where(web_users.c.name == name).values(
            disabled_at=now_iso() if disabled else None, failed_logins=0, locked_until=None))
    found = get_user(store, name)
    assert found is not None
    return found


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def authenticate(store: Store, name: str, password: str) -> User:
    """The user with this name and password; SignInError otherwise (one message for a wrong
    name and a wrong password, so names cannot be probed)."""
    ensure_tables(store)
    wrong = SignInError("wrong user name or password")
    if len(password) > MAX_PASSWORD:
        raise wrong
    with store.engine.connect() as conn:
        row = conn.execute(select(web_users).where(web_users.c.name == name.strip())).first()
    if row is None:
        try:
            _HASHER.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        raise wrong
    now = _now()
    if row.locked_until and row.locked_until > now.isoformat():
        raise SignInError("too many wrong passwords: this account is locked until "
                          f"{row.locked_until} (UTC)")
    try:
        _HASHER.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = (row.failed_logins or 0) + 1
        values: dict[str, Any] = {"failed_logins": failures}
        if failures >= MAX_FAILURES:
            values = {"failed_logins": 0,
                      "locked_until": (now + timedelta(seconds=LOCK_SECONDS)).isoformat()}
        with store.engine.begin() as conn:
            conn.execute(update(web_users).where(web_users.c.id == row.id).values(**values))
        raise wrong from None
    if row.disabled_at:
        raise SignInError("this account is disabled")
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": now.isoformat()}
    if _HASHER.check_needs_rehash(row.password_hash):
        values["password_hash"] = _HASHER.hash(password)
    with store.engine.begin() as conn:
        conn.execute(update(web_users).where(web_users.c.id == row.id).values(**values))
    found = get_user(store, row.name)
    assert found is not None
    return found
