"""Liveness and readiness: /healthz (the process answers), /readyz (a list is serving)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from watchlist.api.errors import ApiError
from watchlist.api.models import HealthResponse, error_responses
from watchlist.versions_header import use_versions

router = APIRouter(tags=["System information"])


@router.get("/healthz", response_model=HealthResponse, summary="Liveness")
async def healthz(request: Request) -> dict[str, Any]:
    """The server is up. Needs no key."""
    return {"status": "ok", "versions": use_versions(request, request.app.state.screener
                                                     .serving())}


@router.get("/readyz", response_model=HealthResponse, summary="Readiness",
            responses=error_responses(503))
async def readyz(request: Request) -> dict[str, Any]:
    """Ready to screen: at least one list has a serving version. Needs no key."""
    serving = request.app.state.screener.serving()
    refs = use_versions(request, serving)
    if not serving:
        raise ApiError(503, "not ready: no list is serving; run `watchlist update`")
    return {"status": "ready", "versions": refs}
