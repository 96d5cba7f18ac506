"""Who sanctions whom: GET /compare (the matrix, gaps, lead and lag, designations over
time) for a regime, a country, given parties or the customer book's parties."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.models import error_responses
from watchlist.compare.build import CompareError, compare
from watchlist.compare.export import rows_csv
from watchlist.compare.model import Scope
from watchlist.regimes.taxonomy import TaxonomyError, default_taxonomy
from watchlist.screening.holder import NotServing, ScreenerHolder
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Data access"])

#: The most parties one request may name.
MAX_PARTIES = 500


class CompareResponse(BaseModel):
    """The comparison, as `watchlist compare --json` prints it."""

    regime: str | None
    country: str | None
    scope: str
    regimes: list[str]
    jurisdictions: list[str]
    parties: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    lag: list[dict[str, Any]]
    timeline: dict[str, Any]
    filter: dict[str, Any] | None = None
    versions: list[dict[str, Any]] = []


def _index(request: Request) -> Any:
    holder: ScreenerHolder | None = getattr(request.app.state, "screener", None)
    try:
        return holder.get().index if holder is not None else None
    except NotServing:
        return None


@router.get("/compare", response_model=CompareResponse, response_model_exclude_none=False,
            summary="Compare jurisdictions",
            responses={**error_responses(401, 403, 422, 503),
                       200: {"content": {"text/csv": {}}}})
def get_compare(
    request: Request,
    store: StoreDep,
    _caller: ScreenCaller,
    regime: Annotated[str | None, Query(max_length=100, description="A common regime "
                                       "(`watchlist regimes list`): belarus, russia...")] = None,
    country: Annotated[str | None, Query(max_length=2, min_length=2,
                                         description="A country's ISO code.")] = None,
    party: Annotated[list[str] | None, Query(description="Record or profile ids.")] = None,
    book: Annotated[bool, Query(description="The parties of the customer book's open "
                                "alerts.")] = False,
    by: Annotated[list[str] | None, Query(description="Select the parties listed now by "
                                          "these jurisdictions (us, uk, eu...).")] = None,
    not_by: Annotated[list[str] | None, Query(description="... and by none of these.")]
    = None,
    format: Annotated[Literal["json", "csv"], Query(description="`csv`: the matrix (the "
                                                    "selected rows when filtered).")] = "json",
) -> Any:
    """One row per party (profile: every record of it on every list), the date each
    jurisdiction listed it (`basis` "publisher", or "first-seen": the first stored version
    holding it) or delisted it; per pair of jurisdictions the gaps (listed by one, not the
    other) and who listed first with the median days between; cumulative designations.
    Exactly one of `regime`, `country`, `party` or `book`."""
    given = sum(bool(x) for x in (regime, country, party, book))
    if given != 1:
        raise ApiError(422, "give exactly one of regime, country, party or book")
    if party and len(party) > MAX_PARTIES:
        raise ApiError(422, f"at most {MAX_PARTIES} parties")
    index = _index(request)
    served = use_versions(request, store.serving())
    if index is None:
        raise ApiError(503, "no list is serving")
    scope = Scope(regime=regime, country=country, parties=tuple(party or ()), book=book)
    try:
        result = compare(store, index, scope, default_taxonomy(), by or (), not_by or ())
    except (CompareError, TaxonomyError) as exc:
        raise ApiError(422, str(exc)) from None
    if format == "csv":
        rows = result.selected if (by or not_by) else result.rows
        return Response(rows_csv(rows, result.jurisdictions), media_type="text/csv")
    body = result.to_dict()
    body["versions"] = served
    return body
