"""Signing in (user name and password, or an API key) and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from watchlist.store import users
from watchlist.store.keys import verify_key
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
        return page(request, "login.html", title="Sign in", next=safe_next(next), name=name,
                    method=method, status_code=429,
                    error=f"Too many failed sign-ins from your address: try again in "
                          f"{-(-exc.wait // 60)} minute{'s' if exc.wait > 60 else ''}.")
    error = None
    if method == "key":
        key = verify_key(store, api_key) if api_key.strip() else None
        if key is None:
            error = "That API key is unknown or revoked."
        else:
            sessions.sign_in(request, "key", key.key_id)
    else:
        try:
            user = users.authenticate(store, name, password)
        except users.SignInError as exc:
            error = str(exc)[:1].upper() + str(exc)[1:] + "."
        else:
            sessions.sign_in(request, "user", user.name, user.fingerprint)
    if error:
        return page(request, "login.html", title="Sign in", next=safe_next(next), error=error,
                    name=name, method=method, status_code=401)
    request.app.state.web.sign_ins.succeeded(attempt)
    return redirect(request, safe_next(next))


@router.post("/logout", dependencies=[CheckedForm])
def logout(request: Request) -> Response:
    request.app.state.web.sessions.sign_out(request)
    return redirect(request, PREFIX + "/login", "You are signed out.")
