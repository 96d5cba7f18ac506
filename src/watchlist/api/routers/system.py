"""Liveness and readiness: /healthz (the process answers), /readyz (a list is serving)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from watchlist.api.deps import StoreDep, use_versions
from watchlist.api.errors import ApiError
from watchlist.api.models import HealthResponse, error_responses

router = APIRouter(tags=["System information"])


@router.get("/healthz", response_model=HealthResponse, summary="Liveness")
def healthz(request: Request, store: StoreDep) -> dict[str, Any]:
    """The server is up. Needs no key."""
    return {"status": "ok", "versions": use_versions(request, store.serving())}


@router.get("/readyz", response_model=HealthResponse, summary="Readiness",
            responses=error_responses(503))
def readyz(request: Request, store: StoreDep) -> dict[str, Any]:
    """Ready to screen: at least one list has a serving version. Needs no key."""
    serving = store.serving()
    refs = use_versions(request, serving)
    if not serving:
        raise ApiError(503, "not ready: no list is serving; run `watchlist update`")
    return {"status": "ready", "versions": refs}
