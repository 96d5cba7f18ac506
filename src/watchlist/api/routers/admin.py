"""Updating the lists over the API: POST /updatez (admin keys only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse

from watchlist.api.auth import AdminCaller
from watchlist.api.deps import SettingsDep, StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.models import UpdateJob, UpdateRequest, error_responses
from watchlist.sources.registry import SOURCES
from watchlist.store.audit import append_audit
from watchlist.updates import jobs
from watchlist.versions_header import use_versions

router = APIRouter(tags=["System information"])


@router.post("/updatez", response_model=UpdateJob, status_code=202, summary="Update the lists",
             responses={200: {"model": UpdateJob, "description": "With wait=true: the update "
                              "has finished."},
                        **error_responses(400, 401, 403, 409, 413, 422)})
def post_update(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: AdminCaller,
    body: Annotated[UpdateRequest | None, Body()] = None,
    wait: Annotated[bool, Query(description="Answer when the update has finished (200) "
                                "instead of at once (202).")] = False,
) -> Any:
    """Download the lists (all, or `sources`) and make each new version current, in the
    background. Answers 202 with the job and its `status_url`; poll that URL for the result.
    A version switch is one transaction: screening goes on against the old versions until
    the new ones are complete."""
    sources = body.sources if body else None
    if sources is not None:
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            raise ApiError(422, f"unknown source {', '.join(map(repr, unknown))}; known: "
                           f"{', '.join(SOURCES)}")
    row, created = jobs.start_job(store, caller.actor, sources, settings.update_stale_seconds)
    if not created:
        raise ApiError(409, f"an update is already running (job {row.id}, started by "
                       f"{row.requested_by} at {row.started_at})",
                       status_url=f"/updatez/{row.id}")
    append_audit(store, caller.actor, "update", {"sources": sources, "job": row.id},
                 store.serving(), [])
    updater = request.app.state.updater
    if wait:
        jobs.run_job(store, row.id, sources, updater)
    else:
        jobs.run_in_background(store, row.id, sources, updater)
    data = jobs.job_dict(jobs.get_job(store, row.id), store)
    use_versions(request, store.serving())
    return JSONResponse(data, status_code=200 if wait else 202,
                        headers={"Location": data["status_url"]})


@router.get("/updatez/{job_id}", response_model=UpdateJob, summary="An update's status",
            responses=error_responses(401, 403, 404, 422))
def get_update(
    request: Request,
    job_id: Annotated[str, Path(description="The id POST /updatez answered with.")],
    store: StoreDep,
    _caller: AdminCaller,
) -> dict[str, Any]:
    """Where an update stands: running, or succeeded, partial or failed with what it
    imported."""
    row = jobs.get_job(store, job_id)
    if row is None:
        raise ApiError(404, f"no update job {job_id!r}")
    data = jobs.job_dict(row, store)
    use_versions(request, store.serving())
    return data
