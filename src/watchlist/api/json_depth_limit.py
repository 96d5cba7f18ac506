"""Refuse JSON request bodies nested too deep, before any route parses them.

Every route that reads a JSON body (FastAPI's own parsing, /match's lean reader, /scan,
/scan/payment, /reconcile, /updatez) is behind this middleware, so none of them can fail
with a RecursionError: a body nested deeper than `jsondepth.MAX_DEPTH` answers 422. It runs
inside `BodyLimit`, which has already bounded and buffered the body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchlist.api.errors import error_response
from watchlist.jsondepth import MAX_DEPTH, depth_error, too_deep


def is_json_type(content_type: bytes) -> bool:
    """Whether a Content-Type header names JSON (application/json, anything +json)."""
    kind = content_type.split(b";", 1)[0].strip().lower()
    return kind == b"application/json" or kind.endswith(b"+json")


class JsonDepthLimit:
    """Answer 422 to a JSON body nested more than `limit` levels deep."""

    def __init__(self, app: ASGIApp, limit: int = MAX_DEPTH) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_json_type(
                dict(scope.get("headers") or []).get(b"content-type", b"")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if too_deep(body, self.limit):
            response = error_response(422, depth_error("body", self.limit))
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
