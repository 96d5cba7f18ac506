"""Ownership and control: the stored datasets of relations, and a party's findings (why a
rule blocks it, every path) with its owners and holdings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.models import error_responses
from watchlist.ownership.stored import imports, serving_imports
from watchlist.ownership.view import current_view

router = APIRouter(tags=["Ownership"])


@router.get("/ownership/datasets", summary="Ownership datasets",
            responses=error_responses(401, 403))
def datasets(store: StoreDep, _caller: ScreenCaller) -> dict[str, Any]:
    """Every stored version of each dataset of relations (`watchlist ownership import`);
    the newest of each serves."""
    serving = {i.id for i in serving_imports(store)}
    return {"datasets": [{**i.to_dict(), "serving": i.id in serving} for i in imports(store)]}


@router.get("/ownership/parties/{party}", summary="A party's owners and findings",
            responses=error_responses(401, 403, 404, 422))
def party(
    party: Annotated[str, Path(description="A party's id: a list record id, an id of the "
                                           "user's data (LEI as lei-…, company number as "
                                           "gb-coh-…, own id) or name-… as hits give it.")],
    store: StoreDep,
    _caller: ScreenCaller,
    depth: Annotated[int, Query(ge=1, le=6, description="Levels of owners and holdings.")] = 3,
) -> dict[str, Any]:
    """Why each rule blocks the party, if one does (share, rule, status, every path from
    listed parties with each edge's share, source and date, in words too), and its owners
    above and holdings below, `depth` levels each way."""
    view = current_view(store)
    if party not in view.graph.number:
        raise ApiError(404, f"no party {party!r} in the ownership data or the lists' "
                            "relations")
    return {"party": party, "findings": [f.to_dict() for f in view.findings(party)],
            "tree": view.tree(party, depth)}
