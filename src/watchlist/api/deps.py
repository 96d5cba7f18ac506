"""What the routers share: the store, the settings, and reporting the list versions used."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchlist.api.errors import ApiError
from watchlist.api.settings import NOTICE_HEADER, VERSIONS_HEADER, Settings
from watchlist.store.labels import bundled_date, bundled_summary, mark_ref
from watchlist.store.store import Store, Version

_STATE_KEY = "watchlist_versions"


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


#: A date query parameter as the OpenAPI document states it (RFC 3339 full-date).
DATE_SCHEMA: dict[str, Any] = {"format": "date"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_date(value: str | None, name: str = "as_of") -> str | None:
    """A YYYY-MM-DD query parameter (a real date, nothing after it), or 422."""
    if value is None:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, f"{name}: not a date: {value!r} (use YYYY-MM-DD)") from None
    return value


def version_ref(version: Version | dict[str, Any]) -> dict[str, Any]:
    """A list version (a Version, or a dict with its fields) as responses name it."""
    data = version.to_dict() if isinstance(version, Version) else version
    return mark_ref({k: data.get(k) for k in ("source", "version", "published", "sha256")}, data)


def header_value(versions: Sequence[Version | dict[str, Any]]) -> str:
    """`un_sc_sanctions=3, us_ofac_sdn=1;bundled=2021-07-07`: each version, and the date of
    a bundled snapshot."""
    parts = []
    for v in versions:
        data = v if isinstance(v, dict) else v.to_dict()
        date = bundled_date(data)
        parts.append(f"{data['source']}={data['version']}" + (f";bundled={date}" if date else ""))
    return ", ".join(parts) or "none"


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
