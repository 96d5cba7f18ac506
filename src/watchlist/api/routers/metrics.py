"""Prometheus metrics at /metrics: a key required as for the rest of the API (none with
`serve --no-auth`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from watchlist.api.auth import ScreenCaller
from watchlist.api.models import error_responses
from watchlist.metrics import CONTENT_TYPE, exposition
from watchlist.operations.health import SourceCollector

router = APIRouter(tags=["System information"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}, **error_responses(401, 403)})
def metrics(request: Request, _caller: ScreenCaller) -> Response:
    """Requests by route and status, latency, screenings, hits, alerts, each list's version,
    ages and last update, index build time, the audit writer's queue and commits, in the
    Prometheus text format."""
    body = exposition([SourceCollector(request.app.state.store)])
    return Response(body, media_type=CONTENT_TYPE)
