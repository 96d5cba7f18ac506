"""Who is calling: an API key from `Authorization: ApiKey KEY` or `X-API-Key: KEY`.

No key, or a key that is unknown or revoked: 401. More than one credential that disagree (an
`X-API-Key` beside a different `Authorization`, a header sent twice with different values,
or any other Authorization scheme beside a key): 401, whether or not one of them is valid.
A `screen` key on an admin endpoint: 403.
An app made with auth=False (`watchlist serve --no-auth`, loopback only) lets every request
through as an anonymous admin.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from watchlist.api.errors import ApiError
from watchlist.store.keys import ApiKey, role_allows, verify_key

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


def _presented(request: Request, authorization: str | None,
               x_api_key: str | None) -> str | None:
    """The one key a request presents, from every `X-API-Key` and `Authorization` header it
    has (and the values passed, as reconcile's `api_key` parameter); 401 when they differ."""
    keys = {v.strip() for v in (*request.headers.getlist("x-api-key"), x_api_key or "")
            if v.strip()}
    for header in {*request.headers.getlist("authorization"), authorization or ""}:
        if not header.strip():
            continue
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "apikey" or not value.strip():
            raise ApiError(401, "unsupported Authorization scheme: send "
                           "`Authorization: ApiKey KEY` or `X-API-Key: KEY`", _CHALLENGE)
        keys.add(value.strip())
    if len(keys) > 1:
        raise ApiError(401, "more than one credential: send one API key, as "
                       "`Authorization: ApiKey KEY` or `X-API-Key: KEY`", _CHALLENGE)
    return keys.pop() if keys else None


class KeyCache:
    """Keys verified in the last `seconds`, by a digest of the presented key: a client
    sending the same key on every request costs one store read per period, and a revoked
    key stops working within that period. Unknown keys are never cached."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.items: dict[str, tuple[float, ApiKey]] = {}

    def get(self, raw: str) -> ApiKey | None:
        if self.seconds <= 0:
            return None
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        with self.lock:
            item = self.items.get(digest)
        if item is None or time.monotonic() - item[0] > self.seconds:
            return None
        return item[1]

    def put(self, raw: str, key: ApiKey) -> None:
        if self.seconds <= 0:
            return
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        with self.lock:
            if len(self.items) > 10000:
                self.items.clear()
            self.items[digest] = (time.monotonic(), key)


def _verified_sync(request: Request, raw: str) -> ApiKey | None:
    cache: KeyCache | None = getattr(request.app.state, "key_cache", None)
    key = cache.get(raw) if cache is not None else None
    if key is None:
        key = verify_key(request.app.state.store, raw)
        if key is not None and cache is not None:
            cache.put(raw, key)
    return key


def _anonymous(request: Request) -> Caller:
    host = request.client.host if request.client else "local"
    return Caller(actor=f"no-auth:{host}", role="admin")


def _required(request: Request, authorization: str | None, x_api_key: str | None) -> str:
    raw = _presented(request, authorization, x_api_key)
    if raw is None:
        raise ApiError(401, "an API key is required: send `Authorization: ApiKey KEY` or "
                       "`X-API-Key: KEY`", _CHALLENGE)
    return raw


def _caller_of(key: ApiKey | None) -> Caller:
    if key is None:
        raise ApiError(401, "invalid or revoked API key", _CHALLENGE)
    return Caller(actor=f"key:{key.key_id}:{key.name}", role=key.role, key_id=key.key_id)


def resolve_caller(request: Request, authorization: str | None,
                   x_api_key: str | None) -> Caller:
    """The caller of a request, or 401 (for code outside FastAPI's dependencies)."""
    if not request.app.state.auth:
        return _anonymous(request)
    return _caller_of(_verified_sync(request, _required(request, authorization, x_api_key)))


async def current_caller(request: Request,
                         authorization: Annotated[str | None, Security(_AUTHORIZATION)] = None,
                         x_api_key: Annotated[str | None, Security(_X_API_KEY)] = None
                         ) -> Caller:
    """The caller, or 401; a key verified lately is taken from the cache without a store
    read, so the event loop is not held."""
    if not request.app.state.auth:
        return _anonymous(request)
    raw = _required(request, authorization, x_api_key)
    cache: KeyCache | None = getattr(request.app.state, "key_cache", None)
    key = cache.get(raw) if cache is not None else None
    if key is None:
        key = await anyio.to_thread.run_sync(_verified_sync, request, raw)
    return _caller_of(key)


def check_role(caller: Caller, role: str) -> Caller:
    """The caller if its key has `role` (admin keys may do everything), else 403."""
    if not role_allows(caller.role, role):
        article = "an" if role[0] in "aeiou" else "a"
        raise ApiError(403, f"this endpoint needs {article} {role} key; this key's role "
                       f"is {caller.role}")
    return caller


def require(role: str) -> Callable[..., Coroutine[Any, Any, Caller]]:
    """A dependency admitting callers whose key has `role` (admin keys may do everything)."""

    async def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        return check_role(caller, role)

    return dependency


screen_caller = require("screen")
approve_caller = require("approve")
admin_caller = require("admin")
ScreenCaller = Annotated[Caller, Depends(screen_caller)]
ApproveCaller = Annotated[Caller, Depends(approve_caller)]
AdminCaller = Annotated[Caller, Depends(admin_caller)]
