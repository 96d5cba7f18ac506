"""The compare page: who sanctions whom for a regime, a country, given parties or the
customer book: the cumulative designations chart, lead and lag per pair of jurisdictions,
the gaps (filterable: listed by these, not by those), the matrix, CSV and JSON exports.

A GET form, so every comparison has an address; the chart is an SVG image of its own
address (an image runs no script, so the page's policy stays as strict as every page's).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from watchlist.compare.build import CompareError, Comparison, compare
from watchlist.compare.chart import timeline_svg
from watchlist.compare.export import rows_csv
from watchlist.compare.model import Scope
from watchlist.regimes.taxonomy import TaxonomyError, default_taxonomy
from watchlist.versions_header import use_versions
from watchlist.web.deps import StoreDep, User, WebError, screener_of
from watchlist.web.render import PREFIX, SECURITY_HEADERS, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: Matrix rows the page shows (the exports hold them all).
PAGE_ROWS = 300
#: An SVG shown as an image runs no script and loads nothing: only its own styles apply.
SVG_HEADERS = {**SECURITY_HEADERS,
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}

Text = Annotated[str | None, Query(max_length=100)]
Codes = Annotated[list[str] | None, Query(max_length=20)]


def _scope(regime: str | None, country: str | None, parties: str | None,
           book: bool) -> Scope | None:
    ids = tuple(p for p in (parties or "").replace(",", " ").split() if p)
    given = sum(bool(x) for x in (regime, country, ids, book))
    if given == 0:
        return None
    if given > 1:
        raise WebError(422, "Compare one thing at a time: a regime, a country, parties or "
                            "the customer book.")
    return Scope(regime=regime or None, country=country or None, parties=ids, book=book)


def _run(request: Request, store: Any, scope: Scope, by: list[str], not_by: list[str]
         ) -> Comparison:
    screener = screener_of(request)
    if screener is None:
        raise WebError(503, "No list is serving yet: update the lists first.")
    try:
        return compare(store, screener.index, scope, default_taxonomy(), by, not_by)
    except (CompareError, TaxonomyError) as exc:
        raise WebError(422, f"{exc}.") from None


@router.get("/compare")
def compare_page(request: Request, store: StoreDep, user: User, regime: Text = None,
                 country: Text = None, parties: Annotated[str | None, Query(
                     max_length=5000)] = None, book: bool = False, by: Codes = None,
                 not_by: Codes = None) -> Response:
    taxonomy = default_taxonomy()
    scope = _scope(regime, country, parties, book)
    by, not_by = by or [], not_by or []
    result = _run(request, store, scope, by, not_by) if scope else None
    served = store.serving()
    use_versions(request, served)
    query = {"regime": regime, "country": country, "parties": parties,
             "book": "true" if book else None}
    shown: list[Any] = []
    if result is not None:
        shown = result.selected if (by or not_by) else result.rows
    return page(request, "compare.html", title="Compare", versions=served, nav="compare",
                taxonomy=taxonomy, result=result, query=query, by=by, not_by=not_by,
                shown=shown[:PAGE_ROWS], total=len(shown),
                names={c: j.name for c, j in taxonomy.jurisdictions.items()})


@router.get("/compare/chart.svg")
def compare_chart(request: Request, store: StoreDep, user: User, regime: Text = None,
                  country: Text = None, parties: Annotated[str | None, Query(
                      max_length=5000)] = None, book: bool = False) -> Response:
    scope = _scope(regime, country, parties, book)
    if scope is None:
        raise WebError(422, "Name a regime, a country, parties or the customer book.")
    result = _run(request, store, scope, [], [])
    names = {c: j.name for c, j in default_taxonomy().jurisdictions.items()}
    svg = timeline_svg(result.timeline(), names, f"Designations: {scope.describe()}")
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)


@router.get("/compare/export")
def compare_export(request: Request, store: StoreDep, user: User,
                   format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv",
                   regime: Text = None, country: Text = None,
                   parties: Annotated[str | None, Query(max_length=5000)] = None,
                   book: bool = False, by: Codes = None, not_by: Codes = None) -> Response:
    scope = _scope(regime, country, parties, book)
    if scope is None:
        raise WebError(422, "Name a regime, a country, parties or the customer book.")
    by, not_by = by or [], not_by or []
    result = _run(request, store, scope, by, not_by)
    name = "compare-" + (scope.regime or scope.country or "parties")
    headers = {**SECURITY_HEADERS}
    if format == "json":
        headers["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return Response(json.dumps(result.to_dict(), ensure_ascii=False, indent=1),
                        media_type="application/json", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    rows = result.selected if (by or not_by) else result.rows
    return Response(rows_csv(rows, result.jurisdictions), media_type="text/csv",
                    headers=headers)
