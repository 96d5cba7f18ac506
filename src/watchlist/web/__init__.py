"""The analysts' web interface, served by `watchlist serve` under /ui (and / redirects there).

Server-rendered pages (Jinja2, autoescaped), a stylesheet and one small script, all served
from this package: nothing is fetched from elsewhere. Sign-in with a user account
(`watchlist users create`) or an API key, with the API's roles; sessions in a signed,
HttpOnly cookie; every form carries a CSRF token. `install(app)` adds it to the API app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from watchlist.store.store import Store
from watchlist.web import session as sessions_module
from watchlist.web.deps import SignInRequired, WebError
from watchlist.web.diffs import DiffCache
from watchlist.web.render import PREFIX, STATIC, page
from watchlist.web.throttle import SignInLimit

__all__ = ["install", "tables", "warm"]
log = logging.getLogger("watchlist.web")


@dataclass
class WebState:
    """What the pages keep per app: the session signer, the sign-in limit, the diffs the
    Changes page shows, small caches."""

    sessions: sessions_module.Sessions
    sign_ins: SignInLimit
    diffs: DiffCache = field(default_factory=DiffCache)
    cache: dict[Any, Any] = field(default_factory=dict)


def tables() -> list[Any]:
    """The tables the web interface adds to the store."""
    from watchlist.store.user_sessions import web_sessions
    from watchlist.store.users import sign_in_failures, web_users
    from watchlist.web.throttle import sign_in_attempts

    return [web_users, sign_in_failures, web_sessions, sign_in_attempts,
            sessions_module.web_secrets]


async def _sign_in_first(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = PREFIX + "/search"
    return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    if getattr(request.state, "web_user", None) is None:  # refused before it was read
        request.state.web_user = request.app.state.web.sessions.user(request)
    return page(request, "error.html", title="Error", message=exc.message,
                status_code=exc.status)


#: What an HTTP status says to someone at a page (the API's JSON says it to a program).
_STATUS_WORDS = {
    404: "There is no page {path}.",
    405: "There is no form to send at {path} (a {method} request was made): use the pages' "
         "own links and forms.",
}


def _for_pages(api_handler: Any) -> Any:
    """An exception handler answering with an error page under /ui, as the API elsewhere."""

    async def handle(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return await api_handler(request, exc)
        if isinstance(exc, RequestValidationError):
            fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:])
                             for e in exc.errors()} - {""})
            status, message = 422, ("This address has a value the page cannot use"
                                    + (f" ({', '.join(fields)})" if fields else "")
                                    + ". Go back and use the page's own links and forms.")
        else:
            assert isinstance(exc, StarletteHTTPException)
            status = exc.status_code
            message = _STATUS_WORDS.get(status, "{detail}").format(
                path=path, method=request.method, detail=exc.detail)
        return await _error_page(request, WebError(status, message))

    return handle


def warm(app: FastAPI) -> None:
    """Start comparing each list's last two versions in the background, so the Changes
    page opens at once, and prepare the sign-in's dummy password hash (the API's `warm`
    startup calls this after opening the screener)."""
    from watchlist.store import users

    users.prepare()
    try:
        app.state.web.diffs.warm(app.state.store)
    except Exception:  # noqa: BLE001 - the Changes page reports the problem when opened
        log.warning("the list changes could not be compared at startup", exc_info=True)


def install(app: FastAPI, store: Store | None = None) -> None:
    """Add the pages, their static files and their error handling to an app."""
    from watchlist.web.pages import (
        alerts,
        audit,
        changes,
        compare,
        guide,
        ownership_page,
        profile_page,
        reports,
        review,
        scan,
        search,
        signin,
        sources,
        webhooks,
    )

    store = store or app.state.store
    sessions_module.ensure_tables(store)
    app.state.web = WebState(sessions_module.Sessions(store), SignInLimit(store))
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(WebError, _error_page)
    for kind in (StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(kind, _for_pages(app.exception_handlers[kind]))
    app.mount(PREFIX + "/static", StaticFiles(directory=STATIC), name="web-static")
    for module in (signin, search, profile_page, ownership_page, sources, changes, alerts,
                   review, scan, audit, guide, compare, reports, webhooks):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(PREFIX + "/search", status_code=303)

    @app.get(PREFIX + "/{path:path}", include_in_schema=False)
    def no_such_page(path: str) -> Response:
        raise WebError(404, f"There is no page /ui/{path}.")
