"""The lists and their serving versions: what `watchlist status` shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import DATE_SCHEMA, StoreDep, check_date
from watchlist.api.models import SourcesResponse, error_responses
from watchlist.store.labels import bundled_notice
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Data access"])

STATUS_FIELDS = ("source", "version", "published", "published_from", "fetched_at", "targets",
                 "names", "entities", "sha256", "format", "current", "warnings", "bundled",
                 "held_at")


@router.get("/sources", response_model=SourcesResponse, summary="Lists and versions",
            responses=error_responses(401, 403, 422))
def sources(
    request: Request,
    store: StoreDep,
    _caller: ScreenCaller,
    as_of: Annotated[str | None, Query(description="The lists as they stood on this date "
                                       "(YYYY-MM-DD, by publisher date).",
                                       json_schema_extra=DATE_SCHEMA)] = None,
    history: Annotated[bool, Query(description="Every stored version, not only the serving "
                                   "ones.")] = False,
) -> dict[str, Any]:
    """The serving version of each list: publisher date, counts, checksum."""
    check_date(as_of)
    serving = store.serving(as_of)
    shown = store.versions() if history else serving
    return {
        "sources": [{**{k: v.to_dict()[k] for k in STATUS_FIELDS},
                     "notice": bundled_notice(v)} for v in shown],
        "held": [] if as_of else [h.to_dict() for h in store.held()],
        "as_of": as_of,
        "versions": use_versions(request, serving),
    }
