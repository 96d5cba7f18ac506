"""One error body everywhere: {"detail": ..., "status": ...}; and the request-size limit.

Client mistakes (malformed JSON, wrong fields, oversized bodies, absurd limits, unknown
schemas or properties) answer 4xx with a sentence saying what is wrong; an unexpected
failure answers 500 with the same shape and no internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchlist.api.openapi import documented_methods
from watchlist.errors import NotServing

log = logging.getLogger("watchlist.api")


class ApiError(Exception):
    """An error answered as {"detail", "status"} (plus any extra fields)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.extra = extra


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, "status": status, **extra}, status_code=status,
                        headers=headers)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def _describe(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""),
             "type": e.get("type", "")} for e in errors]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.detail, exc.headers, **exc.extra)


async def _not_serving(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(503, str(exc))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        # The router names only the first route of the path; the document has them all.
        if methods := documented_methods(request.app, request.url.path):
            headers = {**(headers or {}), "Allow": ", ".join(methods)}
    return error_response(exc.status_code, exc.detail, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    bad_json = [e for e in errors if e.get("type") == "json_invalid"]
    if bad_json:
        reason = (bad_json[0].get("ctx") or {}).get("error", "")
        if "recursion limit" in str(reason):
            return error_response(422, "body: JSON nested deeper than this endpoint reads "
                                       f"(pydantic's parser stops at 200 levels): {reason}")
        return error_response(400, f"malformed JSON in the request body{': ' if reason else ''}"
                                   f"{reason}")
    parts = []
    for e in errors[:5]:
        where = _where(tuple(e.get("loc", ())))
        parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", ""))
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return error_response(422, "; ".join(parts) + more, errors=_describe(errors))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal error; the server log has the details")


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(NotServing, _not_serving)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


#: The analysts' pages' answer to a form too large to read (the page's session is unknown
#: here, before the app): what happened and where to go.
_TOO_LARGE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Too large · watchlist</title><link rel="stylesheet" href="/ui/static/style.css"></head>
<body><main><h1>Too large</h1><p class="error" role="alert">What you sent is larger than
the {mb} MB this server accepts at once, so it was not read. Go back and send a smaller
file, or scan the text in parts.</p><p><a href="/ui/scan">Scan a text</a> ·
<a href="/ui/search">Search</a></p></main></body></html>"""


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, by Content-Length or by counting."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Response = error_response(
            413, f"request body too large: the limit is {self.max_bytes} bytes")
        if str(scope.get("path", "")).startswith("/ui/"):  # a form of the analysts' pages
            response = HTMLResponse(_TOO_LARGE_PAGE.format(
                mb=f"{self.max_bytes / 1048576:.1f}"), status_code=413)
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                response = error_response(400, "Content-Length is not a number")
                await response(scope, receive, send)
                return
            if declared > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        # Read the body here (it is bounded), so a chunked body cannot exceed the limit.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


