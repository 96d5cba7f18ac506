"""Every HTTP answer, from the API or the analysts' pages, names the list versions that gave
it: `use_versions` records those a request used, `VersionsHeader` sends them as
X-Watchlist-Versions (and X-Watchlist-Notice when a bundled snapshot answered)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchlist.store.labels import bundled_summary, header_value, version_ref
from watchlist.store.store import Version

VERSIONS_HEADER = "X-Watchlist-Versions"
NOTICE_HEADER = "X-Watchlist-Notice"
_STATE_KEY = "watchlist_versions"


def use_versions(request: Request,
                 versions: Sequence[Version | dict[str, Any]]) -> list[dict[str, Any]]:
    """Record the versions that answered this request (for the header); their JSON form."""
    return use_refs(request, [version_ref(v) for v in versions])


def use_refs(request: Request, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`use_versions` for versions already in their JSON form (`version_ref`)."""
    request.scope.setdefault("state", {})[_STATE_KEY] = refs
    return refs


class VersionsHeader:
    """Add X-Watchlist-Versions to every response (and X-Watchlist-Notice when a bundled
    snapshot answered).

    Routers that read lists record the exact versions they used (`use_versions`); any other
    response (errors, health checks, docs) names the versions serving when it is sent.
    """

    def __init__(self, app: ASGIApp, serving: Callable[[], Sequence[Any]]) -> None:
        self.app = app
        self.serving = serving

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                refs = state.get(_STATE_KEY)
                if refs is None:
                    try:
                        refs = self.serving()
                    except Exception:  # noqa: BLE001 - a broken store must not hide the answer
                        refs = []
                ours = {VERSIONS_HEADER.lower().encode(), NOTICE_HEADER.lower().encode()}
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in ours]
                headers.append((VERSIONS_HEADER.lower().encode(),
                                header_value(refs).encode("latin-1", "replace")))
                notice = bundled_summary(refs)
                if notice:
                    headers.append((NOTICE_HEADER.lower().encode(),
                                    notice.encode("latin-1", "replace")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)
