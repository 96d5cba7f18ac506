"""What the routers share: the store, the settings, dates in query parameters."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from watchlist.api.errors import ApiError
from watchlist.service_settings import Settings
from watchlist.store.store import Store


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
