"""Signing in (user name and password, or an API key) and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from watchlist.store import users
from watchlist.store.audit import append_audit
from watchlist.store.keys import verify_key
from watchlist.store.store import Store
from watchlist.web.deps import CheckedForm, StoreDep
from watchlist.web.render import PREFIX, page, redirect
from watchlist.web.throttle import TooManySignIns

router = APIRouter(prefix=PREFIX, include_in_schema=False)
HOME = PREFIX + "/search"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of this site only (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") \
            and "\\" not in target and "://" not in target:
        return target
    return HOME


def audit_sign_in(store: Store, actor: str, action: str, address: str, method: str,
                  **details: str | None) -> None:
    """A sign-in, failed sign-in, lockout or sign-out in the audit log (no password, no key)."""
    query = {"method": method, "address": address,
             **{k: v for k, v in details.items() if v is not None}}
    append_audit(store, actor, action, query, [], [])


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002
    if not request.app.state.auth or request.app.state.web.sessions.user(request):
        return redirect(request, safe_next(next))
    return page(request, "login.html", title="Sign in", next=safe_next(next), error=None,
                name="", method="password")


@router.post("/login", dependencies=[CheckedForm])
def login(request: Request, store: StoreDep,
          method: Annotated[str, Form()] = "password",
          name: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=users.MAX_PASSWORD)] = "",
          api_key: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form()] = HOME) -> Response:  # noqa: A002
    sessions = request.app.state.web.sessions
    address = request.client.host if request.client else "unknown"
    try:
        attempt = request.app.state.web.sign_ins.admit(address)
    except TooManySignIns as exc:
        audit_sign_in(store, _attempted(method, name), "sign-in-throttled", address, method,
                      wait_seconds=str(exc.wait))
        return page(request, "login.html", title="Sign in", next=safe_next(next), name=name,
                    method=method, status_code=429,
                    error=f"Too many failed sign-ins from your address: try again in "
                          f"{-(-exc.wait // 60)} minute{'s' if exc.wait > 60 else ''}.")
    error = None
    if method == "key":
        key = verify_key(store, api_key) if api_key.strip() else None
        if key is None:
            error = "That API key is unknown or revoked."
            audit_sign_in(store, "key:unknown", "sign-in-failed", address, method,
                          reason="unknown or revoked key")
        else:
            sessions.sign_in(request, "key", key.key_id)
            audit_sign_in(store, f"key:{key.key_id}:{key.name}", "sign-in", address, method)
    else:
        try:
            user = users.authenticate(store, name, password)
        except users.SignInError as exc:
            error = str(exc)[:1].upper() + str(exc)[1:] + "."
            _audit_refusal(store, name, address, method, exc)
        else:
            sessions.sign_in(request, "user", user.name, user.fingerprint)
            audit_sign_in(store, f"user:{user.name}", "sign-in", address, method)
    if error:
        return page(request, "login.html", title="Sign in", next=safe_next(next), error=error,
                    name=name, method=method, status_code=401)
    request.app.state.web.sign_ins.succeeded(attempt)
    return redirect(request, safe_next(next))


def _attempted(method: str, name: str) -> str:
    """Whom a refused sign-in tried to be: `user:<name typed>`, or a key."""
    return "key:unknown" if method == "key" else f"user:{name.strip()}"


def _audit_refusal(store: Store, name: str, address: str, method: str,
                   exc: users.SignInError) -> None:
    """A refused password: a lockout when this failure locked the account, an attempt on a
    locked account, or a failed sign-in."""
    actor = _attempted(method, name)
    if exc.locked_until:
        audit_sign_in(store, actor, "sign-in-locked", address, method, until=exc.locked_until)
        return
    audit_sign_in(store, actor, "sign-in-failed", address, method, reason=str(exc))
    until = users.locked_until(store, name)
    if until:
        audit_sign_in(store, actor, "sign-in-lockout", address, method, until=until)


@router.post("/logout", dependencies=[CheckedForm])
def logout(request: Request, store: StoreDep) -> Response:
    user = request.app.state.web.sessions.user(request)
    if user is not None:
        address = request.client.host if request.client else "unknown"
        audit_sign_in(store, user.actor, "sign-out", address, "session")
    request.app.state.web.sessions.sign_out(request)
    return redirect(request, PREFIX + "/login", "You are signed out.")
