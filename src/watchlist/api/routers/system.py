"""Liveness and readiness: /healthz (the process answers), /readyz (a list is serving, and
whether any is stale, failing or held: degraded, with the reasons)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Query, Request

from watchlist.api.errors import ApiError
from watchlist.api.models import HealthResponse, error_responses
from watchlist.operations.health import source_health
from watchlist.versions_header import use_versions

router = APIRouter(tags=["System information"])


@router.get("/healthz", response_model=HealthResponse, summary="Liveness")
async def healthz(request: Request) -> dict[str, Any]:
    """The server is up. Needs no key."""
    return {"status": "ok", "versions": use_versions(request, request.app.state.screener
                                                     .serving())}


@router.get("/readyz", response_model=HealthResponse, summary="Readiness",
            responses=error_responses(503))
async def readyz(request: Request,
                 strict: bool = Query(False, description="Answer 503 when degraded too (for "
                                      "a balancer that should stop sending screenings to a "
                                      "server with stale lists).")) -> dict[str, Any]:
    """Ready to screen: at least one list has a serving version. `degraded` (still 200, as
    screening goes on with the versions serving) when a list is stale by its publisher's
    date or its last successful fetch, or its last update failed or was held; `reasons`
    says which and why. Needs no key."""
    serving = request.app.state.screener.serving()
    refs = use_versions(request, serving)
    if not serving:
        raise ApiError(503, "not ready: no list is serving; run `watchlist update`")
    health = await anyio.to_thread.run_sync(source_health, request.app.state.store)
    reasons = [reason for h in health for reason in h.reasons]
    if reasons and strict:
        raise ApiError(503, "degraded: " + "; ".join(reasons))
    return {"status": "degraded" if reasons else "ready", "versions": refs,
            "reasons": reasons, "sources": [h.to_dict() for h in health]}
