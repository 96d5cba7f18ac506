"""What the page routes share: who is signed in, the CSRF check on forms, the screener,
and the two ways a page refuses (sign in first; an error page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from watchlist.errors import NotServing
from watchlist.screener import Screener
from watchlist.screening.holder import ScreenerHolder
from watchlist.store.store import Store
from watchlist.web.session import CSRF_FIELD, CSRF_HEADER, WebUser, csrf_ok, same_origin


class SignInRequired(Exception):
    """Nobody is signed in: the page redirects to the sign-in form."""


class WebError(Exception):
    """A page that cannot be shown: answered as an HTML page with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def get_store(request: Request) -> Store:
    return request.app.state.store


def current_user(request: Request) -> WebUser:
    """The signed-in user (or key); SignInRequired otherwise."""
    user = request.app.state.web.sessions.user(request)
    if user is None:
        raise SignInRequired()
    request.state.web_user = user
    return user


def admin_user(user: Annotated[WebUser, Depends(current_user)]) -> WebUser:
    if not user.is_admin:
        raise WebError(403, "This page is for administrators; your role is "
                            f"{user.role}.")
    return user


async def checked_form(request: Request) -> None:
    """Refuse a form post without this session's CSRF token, or sent from another site."""
    session = request.app.state.web.sessions.load(request)
    if not same_origin(request):
        raise WebError(403, "This form was sent from another site; it was refused.")
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded",
                                    "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
    if not csrf_ok(session, presented):
        raise WebError(403, "This form has expired or did not come from this site (its "
                            "security token is missing or wrong). Go back, reload the page "
                            "and send it again.")


def screener_of(request: Request) -> Screener | None:
    """The current screener, or None when no list is serving yet."""
    holder: ScreenerHolder = request.app.state.screener
    try:
        return holder.get()
    except NotServing:
        return None


User = Annotated[WebUser, Depends(current_user)]
Admin = Annotated[WebUser, Depends(admin_user)]
StoreDep = Annotated[Store, Depends(get_store)]
CheckedForm = Depends(checked_form)
