"""Every request's id (X-Request-ID, in every log line it causes), its count and latency
in the metrics by route and status, and with --access-log a log line of it."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchlist.metrics import LATENCY, REQUESTS
from watchlist.operations.logs import REQUEST_ID_HEADER, new_request_id, request_id

access = logging.getLogger("watchlist.access")


def route_of(scope: Scope) -> str:
    """The route template that answered (`/entities/{entity_id}`), so the metrics' labels
    stay few; `unmatched` for a path no route took."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class RequestObserver:
    """Names, times and counts every HTTP request."""

    def __init__(self, app: ASGIApp, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                      if k == b"x-request-id"), None)
        rid = new_request_id(given)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-request-id"]
                headers.append((REQUEST_ID_HEADER.lower().encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(scope)
            REQUESTS.labels(route, scope.get("method", ""), str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            if self.access_log:
                client = scope.get("client")
                access.info("%s %s %d %.1f ms", scope.get("method"), scope.get("path"), status,
                            elapsed * 1000, extra={
                                "method": scope.get("method"), "path": scope.get("path"),
                                "status": status, "duration_ms": round(elapsed * 1000, 1),
                                "client": client[0] if client else None})
            request_id.reset(token)
