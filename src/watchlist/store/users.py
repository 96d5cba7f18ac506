"""People who sign in to the web interface: a name, a role and an argon2 password hash.

Roles are the API keys' roles: `screen` (search, profiles, alerts, scan), `approve` (also
approves others' decisions on alerts under four-eyes) and `admin` (also list updates and the
audit log). Passwords are hashed with argon2id (argon2-cffi's
defaults); the hash is rehashed on sign-in when those defaults get stronger. After
`MAX_FAILURES` wrong passwords in a row for a name an account is locked for `LOCK_SECONDS`,
so a password cannot be guessed at network speed.

Failures are counted per name in `sign_in_failures`, by one atomic statement each (so
concurrent guesses are all counted, in every worker), for names with no account too: an
unknown name gets the same answers, the same lock and the same password-hash work as a real
one, so neither the messages nor the timing say which names exist. A name's count is
forgotten `FORGET_SECONDS` after its last failure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Column, Index, Integer, String, Table, case, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from watchlist.errors import StoreError
from watchlist.store import user_sessions
from watchlist.store.keys import ROLES
from watchlist.store.schema import metadata
from watchlist.store.store import Store, now_iso

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_FAILURES = 10
LOCK_SECONDS = 300
FORGET_SECONDS = 24 * 3600
NAME_KEY_MAX = 200
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
    Column("last_login_at", String(40)),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("name", String(NAME_KEY_MAX), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", String(40)),
    Column("last_failed_at", String(40), nullable=False),
    Index("ix_sign_in_failures_last_failed_at", "last_failed_at"),
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
    """A sign-in refused: wrong name or password, disabled or locked account (then
    `locked_until` says until when)."""

    def __init__(self, message: str, locked_until: str | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


def ensure_tables(store: Store) -> None:
    """Create the users tables in a store opened before this module was imported."""
    metadata.create_all(store.engine, tables=[web_users, sign_in_failures])


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


def prepare() -> None:
    """Make the dummy hash now (service startup), so the first sign-in with an unknown name
    costs no more than any other."""
    _dummy_hash()


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
    check_role(role)
    check_password(password)
    ensure_tables(store)
    hashed = _HASHER.hash(password)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(web_users).values(
                name=name, role=role, password_hash=hashed, created_at=now_iso()))
            _clear_failures(conn, name)
    except IntegrityError:
        raise StoreError(f"a user named {name!r} exists already") from None
    found = get_user(store, name)
    assert found is not None
    return found


def check_role(role: str) -> None:
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; use {' or '.join(ROLES)}")


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


def _change(store: Store, name: str, values: dict[str, Any], end_sessions: bool) -> User:
    """Update a user (and clear their lock); with `end_sessions`, sign them out everywhere."""
    ensure_tables(store)
    with store.engine.begin() as conn:
        _existing(conn, name)
        conn.execute(update(web_users).where(web_users.c.name == name).values(**values))
        _clear_failures(conn, name)
    if end_sessions:
        user_sessions.end_sessions_of(store, "user", name)
    found = get_user(store, name)
    assert found is not None
    return found


def set_password(store: Store, name: str, password: str) -> User:
    """A new password (which ends the user's sessions) and a cleared lock."""
    check_password(password)
    return _change(store, name, {"password_hash": _HASHER.hash(password)}, end_sessions=True)


def set_disabled(store: Store, name: str, disabled: bool) -> User:
    """Disable a user (their sessions end at once) or enable them again."""
    return _change(store, name, {"disabled_at": now_iso() if disabled else None},
                   end_sessions=disabled)


def set_role(store: Store, name: str, role: str) -> User:
    """A new role; the user's sessions end, so they sign in again with it."""
    check_role(role)
    return _change(store, name, {"role": role}, end_sessions=True)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _name_key(name: str) -> str:
    return name.strip()[:NAME_KEY_MAX]


def _clear_failures(conn: Connection, name: str) -> None:
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.name == _name_key(name)))


def _locked_until(conn: Connection, name: str, now: datetime) -> str | None:
    """When this name's lock ends, None when it is not locked."""
    until = conn.execute(select(sign_in_failures.c.locked_until).where(
        sign_in_failures.c.name == _name_key(name))).scalar()
    return until if until and until > now.isoformat() else None


def _count_failure(conn: Connection, name: str, now: datetime) -> None:
    """Count one wrong password for a name in a single statement (an upsert, atomic on
    SQLite and PostgreSQL alike), locking it at the `MAX_FAILURES`th; and forget the
    names idle for `FORGET_SECONDS`."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stamp = now.isoformat()
    until = (now + timedelta(seconds=LOCK_SECONDS)).isoformat()
    table = sign_in_failures
    counted = table.c.failures + 1
    reached = counted >= MAX_FAILURES
    statement = dialect.insert(table).values(
        name=_name_key(name), failures=1, locked_until=None, last_failed_at=stamp)
    statement = statement.on_conflict_do_update(index_elements=[table.c.name], set_={
        "failures": case((reached, 0), else_=counted),
        "locked_until": case((reached, until), else_=table.c.locked_until),
        "last_failed_at": stamp})
    conn.execute(statement)
    forget = (now - timedelta(seconds=FORGET_SECONDS)).isoformat()
    conn.execute(delete(table).where(table.c.last_failed_at < forget))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(store: Store, name: str, password: str) -> User:
    """The user with this name and password; SignInError otherwise. A wrong name and a
    wrong password get one message, and a locked name the same lock whether or not it has
    an account, so names cannot be probed."""
    ensure_tables(store)
    wrong = SignInError("wrong user name or password")
    if len(password) > MAX_PASSWORD:
        raise wrong
    now = _now()
    with store.engine.connect() as conn:
        row = conn.execute(select(web_users).where(web_users.c.name == name.strip())).first()
        until = _locked_until(conn, name, now)
    if until:
        raise _locked(until)
    if not _verify(row.password_hash if row else _dummy_hash(), password) or row is None:
        with store.engine.begin() as conn:
            _count_failure(conn, name, now)
        raise wrong
    with store.engine.begin() as conn:
        until = _locked_until(conn, name, now)  # locked by guesses verified meanwhile
        if until is None:
            _clear_failures(conn, name)
    if until:
        raise _locked(until)
    if row.disabled_at:
        raise SignInError("this account is disabled")
    values = {"last_login_at": now.isoformat()}
    if _HASHER.check_needs_rehash(row.password_hash):
        values["password_hash"] = _HASHER.hash(password)
    with store.engine.begin() as conn:
        conn.execute(update(web_users).where(web_users.c.id == row.id).values(**values))
    found = get_user(store, row.name)
    assert found is not None
    return found


def _locked(until: str) -> SignInError:
    return SignInError(f"too many wrong passwords: this account is locked until {until} (UTC)",
                       until)


def locked_until(store: Store, name: str) -> str | None:
    """When the lock on this name ends (UTC), None when it is not locked: after a wrong
    password, whether that one locked it."""
    ensure_tables(store)
    with store.engine.connect() as conn:
        return _locked_until(conn, name, _now())
