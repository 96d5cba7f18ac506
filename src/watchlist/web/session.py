"""Web sessions: a signed cookie saying who signed in, and a CSRF token for every form.

The cookie holds no secret: the kind of sign-in (`user` or `key`), the user name or key id,
the user's password fingerprint, the session's token, a CSRF token and when it was issued,
signed with itsdangerous (HMAC-SHA256 with a key derived from the site secret) and refused
after `SESSION_HOURS`. A cookie counts only while its session is open in the store
(`live_sessions`): signing out ends it there, so a copy of the cookie replayed later is
refused; a new password, disabling a user or changing their role ends all their sessions.
Each request also re-reads the user or key, so a revoked key ends its sessions at once. The
cookie is HttpOnly, SameSite=Lax, and Secure when the page was fetched over https (or
WATCHLIST_WEB_SECURE=1).

The site secret comes from WATCHLIST_WEB_SECRET, else from the store (made once, so every
worker process and every restart signs with the same one).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Column, String, Table, Text, insert, select
from sqlalchemy.exc import IntegrityError

from watchlist.store import user_sessions as live_sessions
from watchlist.store import users
from watchlist.store.keys import api_keys, role_allows
from watchlist.store.schema import metadata
from watchlist.store.store import Store, now_iso
from watchlist.web.throttle import sign_in_attempts

COOKIE = "watchlist_session"
SESSION_HOURS = 12
ENV_SECRET = "WATCHLIST_WEB_SECRET"
ENV_SECURE = "WATCHLIST_WEB_SECURE"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SALT = "watchlist-web-session"

web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)


def ensure_tables(store: Store) -> None:
    metadata.create_all(store.engine, tables=[web_secrets, users.web_users,
                                              users.sign_in_failures, live_sessions.web_sessions,
                                              sign_in_attempts])


def site_secret(store: Store) -> str:
    """The secret sessions are signed with: the environment's, else the store's (made once)."""
    from_env = os.environ.get(ENV_SECRET, "").strip()
    if from_env:
        return from_env
    ensure_tables(store)
    query = select(web_secrets.c.value).where(web_secrets.c.name == "session")
    with store.engine.connect() as conn:
        found = conn.execute(query).scalar()
    if found:
        return str(found)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(web_secrets).values(name="session", value=secrets.token_hex(32),
                                                    created_at=now_iso()))
    except IntegrityError:
        pass  # another worker made it first
    with store.engine.connect() as conn:
        return str(conn.execute(query).scalar())


@dataclass(frozen=True)
class WebUser:
    """Who is using the pages: the audit log's actor name, a display name and a role."""

    actor: str
    name: str
    role: str
    kind: str  # "user", "key" or "anonymous" (auth off)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def allows(self, role: str) -> bool:
        return role_allows(self.role, role)


@dataclass
class Session:
    """The decoded cookie of one request, and whether it must be sent back."""

    data: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False
    clear: bool = False

    @property
    def csrf(self) -> str:
        token = self.data.get("csrf")
        if not isinstance(token, str) or not token:
            token = secrets.token_urlsafe(32)
            self.data["csrf"] = token
            self.dirty = True
        return token

    def purpose_token(self, purpose: str) -> str:
        """A token derived from the CSRF token for one purpose (the search page's links):
        it may end up in a shared address, and opens nothing but that purpose."""
        return hmac.new(self.csrf.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]

    def sign_in(self, kind: str, ref: str, token: str, fingerprint: str = "") -> None:
        """A fresh session (new CSRF token) for a user or a key, open in the store under
        `token`."""
        self.data = {"kind": kind, "ref": ref, "fp": fingerprint, "sid": token,
                     "csrf": secrets.token_urlsafe(32), "at": int(time.time())}
        self.dirty = True
        self.clear = False

    def sign_out(self) -> None:
        self.data = {"csrf": secrets.token_urlsafe(32)}
        self.dirty = True


class Sessions:
    """Reads and writes the session cookie of one app."""

    def __init__(self, store: Store, secret: str | None = None,
                 max_age: int = SESSION_HOURS * 3600) -> None:
        self.store = store
        self.max_age = max_age
        self.serializer = URLSafeTimedSerializer(
            secret or site_secret(store), salt=_SALT,
            signer_kwargs={"digest_method": hashlib.sha256})

    def load(self, request: Request) -> Session:
        """The request's session (cached on the request)."""
        cached = getattr(request.state, "web_session", None)
        if cached is not None:
            return cached
        session = Session()
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self.serializer.loads(raw, max_age=self.max_age)
            except BadSignature:  # tampered, expired, or signed with another secret
                data = None
            if isinstance(data, dict):
                session.data = data
            else:
                session.dirty = True
        request.state.web_session = session
        return session

    def sign_in(self, request: Request, kind: str, ref: str, fingerprint: str = "") -> None:
        """Sign this request's session in as a user or key, ending the session it had."""
        session = self.load(request)
        self._end(session)
        token = live_sessions.open_session(self.store, kind, ref, self.max_age)
        session.sign_in(kind, ref, token, fingerprint)

    def sign_out(self, request: Request) -> None:
        """End this request's session in the store (every copy of its cookie) and here."""
        session = self.load(request)
        self._end(session)
        session.sign_out()

    def _end(self, session: Session) -> None:
        token = session.data.get("sid")
        if isinstance(token, str) and token:
            live_sessions.end_session(self.store, token)

    def save(self, request: Request, response: Response) -> Response:
        """Send the cookie back when the session changed."""
        session = getattr(request.state, "web_session", None)
        if session is None or not session.dirty:
            return response
        secure = request.url.scheme == "https" or os.environ.get(ENV_SECURE) == "1"
        response.set_cookie(COOKIE, self.serializer.dumps(session.data), max_age=self.max_age,
                            httponly=True, samesite="lax", secure=secure, path="/")
        return response

    def user(self, request: Request) -> WebUser | None:
        """The signed-in user or key of this request, None when nobody is (or no longer)."""
        if not request.app.state.auth:
            host = request.client.host if request.client else "local"
            return WebUser(actor=f"no-auth:{host}", name="local (no sign-in)", role="admin",
                           kind="anonymous")
        data = self.load(request).data
        kind, ref, token = data.get("kind"), data.get("ref"), data.get("sid")
        if not isinstance(ref, str) or not ref or not isinstance(token, str) or not token \
                or not isinstance(kind, str):
            return None
        if not live_sessions.is_open(self.store, token, kind, ref):
            return None
        if kind == "user":
            found = users.get_user(self.store, ref)
            if found is None or not found.active or not hmac.compare_digest(
                    found.fingerprint, str(data.get("fp", ""))):
                return None
            return WebUser(actor=f"user:{found.name}", name=found.name, role=found.role,
                           kind="user")
        if kind == "key":
            with self.store.engine.connect() as conn:
                row = conn.execute(select(api_keys).where(api_keys.c.key_id == ref)).first()
            if row is None or row.revoked_at is not None:
                return None
            return WebUser(actor=f"key:{row.key_id}:{row.name}", name=f"key {row.name}",
                           role=row.role, kind="key")
        return None


def csrf_ok(session: Session, presented: str | None) -> bool:
    """Whether a form's token is this session's (compared in constant time)."""
    expected = session.data.get("csrf")
    if not isinstance(expected, str) or not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Origin header)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host
