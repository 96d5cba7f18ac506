"""Who is calling: an API key from `Authorization: ApiKey KEY` or `X-API-Key: KEY`.

No key, or a key that is unknown or revoked: 401. A `screen` key on an admin endpoint: 403.
An app made with auth=False (`watchlist serve --no-auth`, loopback only) lets every request
through as an anonymous admin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from watchlist.api.errors import ApiError
from watchlist.store.keys import verify_key

_X_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="X-API-Key",
                          description="The raw key: `X-API-Key: KEY`.")
_AUTHORIZATION = APIKeyHeader(name="Authorization", auto_error=False, scheme_name="ApiKey",
                              description="`Authorization: ApiKey KEY`.")
_CHALLENGE = {"WWW-Authenticate": "ApiKey"}


@dataclass(frozen=True)
class Caller:
    """The caller of a request, as the audit log names it."""

    actor: str
    role: str
    key_id: str | None = None


def _presented(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key and x_api_key.strip():
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "apikey" or not value.strip():
            raise ApiError(401, "unsupported Authorization scheme: send "
                           "`Authorization: ApiKey KEY` or `X-API-Key: KEY`", _CHALLENGE)
        return value.strip()
    return None


def current_caller(request: Request,
                   authorization: Annotated[str | None, Security(_AUTHORIZATION)] = None,
                   x_api_key: Annotated[str | None, Security(_X_API_KEY)] = None) -> Caller:
    """The caller, or 401."""
    if not request.app.state.auth:
        host = request.client.host if request.client else "local"
        return Caller(actor=f"no-auth:{host}", role="admin")
    raw = _presented(authorization, x_api_key)
    if raw is None:
        raise ApiError(401, "an API key is required: send `Authorization: ApiKey KEY` or "
                       "`X-API-Key: KEY`", _CHALLENGE)
    key = verify_key(request.app.state.store, raw)
    if key is None:
        raise ApiError(401, "invalid or revoked API key", _CHALLENGE)
    return Caller(actor=f"key:{key.key_id}:{key.name}", role=key.role, key_id=key.key_id)


def require(role: str) -> Callable[..., Caller]:
    """A dependency admitting callers whose key has `role` (admin keys may do everything)."""

    def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if caller.role != role and caller.role != "admin":
            article = "an" if role[0] in "aeiou" else "a"
            raise ApiError(403, f"this endpoint needs {article} {role} key; this key's role "
                           f"is {caller.role}")
        return caller

    return dependency


screen_caller = require("screen")
admin_caller = require("admin")
ScreenCaller = Annotated[Caller, Depends(screen_caller)]
AdminCaller = Annotated[Caller, Depends(admin_caller)]
