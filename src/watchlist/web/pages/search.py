"""The search page: a name and whatever else is known; profiles with their scores explained.

The form is a GET, so a search has an address to bookmark or share. A search runs (and is
written to the audit log under the signed-in user) only when the address carries this
session's search token (derived from its CSRF token, and good for nothing else); an
address from elsewhere shows the filled form, to be run with one press.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from watchlist.screener import Hit, QueryError, Screener
from watchlist.screening.hits import keep_hit
from watchlist.store.audit import append_audit
from watchlist.versions_header import use_versions
from watchlist.web.deps import StoreDep, User, screener_of
from watchlist.web.explain import Aspect, explain, matched_name, one_name_only
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: Lowest scores the page offers; the default is the API's search threshold.
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
MAX_RESULTS = 50


@dataclass
class Result:
    """One hit as the page shows it."""

    hit: Hit
    aspects: list[Aspect]
    strong: bool
    #: The listed name or alias the search matched, when it is not the party's caption.
    alias: str = ""
    #: The search gave a surname alone (see explain.one_name_only).
    surname_only: bool = False


def regimes(request: Request, screener: Screener) -> list[str]:
    """Every regime named by a designation of the current lists (for the filter's hints)."""
    cache = request.app.state.web.cache
    key = ("regimes", screener.index.key)
    if key not in cache:
        found = {r.strip() for ds in screener.index.designations for d in ds
                 for r in (d.get("regime") or "").split(";") if r.strip()}
        cache.clear()
        cache[key] = sorted(found, key=str.casefold)
    return cache[key]


def filter_hits(hits: list[Hit], publishers: set[str], regime: str) -> list[Hit]:
    """Hits with only the designations of these publishers and regimes (a regime filter
    is a case-insensitive part of the regime's name); hits left with none are dropped."""
    kept = []
    wanted = regime.strip().casefold()
    for hit in hits:
        found = keep_hit(hit, publishers or None)
        if found is None:
            continue
        if wanted:
            designations = [d for d in found.designations
                            if wanted in (d.get("regime") or "").casefold()]
            if not designations:
                continue
            found = Hit(**{**{f: getattr(found, f) for f in found.__dataclass_fields__},
                           "designations": designations})
        kept.append(found)
    return kept


def _alias(hit: Hit) -> str:
    """The name the search matched, when it is another than the caption (an alias, a
    spelling in another script)."""
    name = matched_name(hit.explanation)
    return name if name and name.casefold() != hit.caption.casefold() else ""


@router.get("")
@router.get("/")
def home() -> Response:
    return RedirectResponse(PREFIX + "/search", status_code=303)


@router.get("/search")
def search(
    request: Request,
    store: StoreDep,
    user: User,
    name: Annotated[str, Query(max_length=500)] = "",
    birth_date: Annotated[str, Query(max_length=100)] = "",
    country: Annotated[str, Query(max_length=100)] = "",
    schema: Annotated[str, Query(max_length=50)] = "",
    identifier: Annotated[str, Query(max_length=100)] = "",
    publisher: Annotated[list[str] | None, Query()] = None,
    regime: Annotated[str, Query(max_length=200)] = "",
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    t: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    screener = screener_of(request)
    session = request.app.state.web.sessions.load(request)
    settings = request.app.state.settings
    limit = settings.search_threshold if threshold is None else threshold
    asked = {"name": name.strip(), "birth_date": birth_date.strip(),
             "country": country.strip(), "schema": schema.strip(),
             "identifier": identifier.strip()}
    publishers = {p for p in publisher or [] if p}
    context: dict[str, Any] = dict(
        asked=asked, publishers=publishers, regime=regime, threshold=limit,
        default_threshold=settings.search_threshold,
        thresholds=sorted(set(THRESHOLDS) | {limit}), results=None, error=None,
        confirm=False, total=0, sources=[], regimes=[], nav="search",
        alert_threshold=screener.threshold if screener else None)
    if screener is None:
        return page(request, "search.html", title="Search", empty_store=True, **context)
    versions = screener.index.versions
    context.update(sources=sorted(v["source"] for v in versions),
                   regimes=regimes(request, screener))
    if not asked["name"]:
        return page(request, "search.html", title="Search", versions=versions,
                    empty_store=False, **context)
    if not hmac.compare_digest(session.purpose_token("search").encode(), t.encode()):
        context["confirm"] = True
        return page(request, "search.html", title="Search", versions=versions,
                    empty_store=False, **context)
    query = {k: v for k, v in asked.items() if v}
    try:
        hits = screener.check(query, threshold=limit)
    except QueryError as exc:
        context["error"] = str(exc).capitalize() + "."
        return page(request, "search.html", title="Search", versions=versions,
                    empty_store=False, status_code=422, **context)
    hits = filter_hits(hits, publishers, regime)
    used = [v for v in versions if not publishers or v["source"] in publishers]
    append_audit(store, user.actor, "search",
                 {**query, "threshold": limit, "via": "web",
                  "publishers": sorted(publishers) or None, "regime": regime or None},
                 used, hits[:MAX_RESULTS])
    use_versions(request, used)
    surname_only = one_name_only(asked)
    context.update(total=len(hits), used=used, surname_only=surname_only, results=[
        Result(hit, explain(hit.explanation, asked), hit.score >= screener.threshold,
               _alias(hit), surname_only)
        for hit in hits[:MAX_RESULTS]])
    title = f"Search: {asked['name']}"
    return page(request, "search.html", title=title, versions=versions, empty_store=False,
                **context)
