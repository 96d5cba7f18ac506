"""Screening: POST /match (yente's batch of entity examples) and GET /search?q=."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, WithJsonSchema, create_model

from watchlist.api.audit_writer import AuditWriter
from watchlist.api.auth import Caller, ScreenCaller, check_role, current_caller
from watchlist.api.deps import SettingsDep, StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.lean import json_body, lean_route, query_params
from watchlist.api.models import (
    MatchRequest,
    MatchResponse,
    SearchResponse,
    error_responses,
)
from watchlist.api.screening import (
    MATCH_SCHEMATA,
    EntityCache,
    audit_hit,
    example_query,
    result_body,
    screening_refs,
)
from watchlist.fieldlimits import MAX_NAME_CHARS, length_problem, request_names_problem
from watchlist.screener import Hit, Screener
from watchlist.screening.hits import keep_hit
from watchlist.screening.holder import ScreenerHolder
from watchlist.service_settings import Settings
from watchlist.store.store import Store
from watchlist.versions_header import use_refs

router = APIRouter(tags=["Matching"])

_ERRORS = error_responses(400, 401, 403, 413, 422, 503)
#: Queries scored between two turns of the event loop.
CHUNK = 4

Threshold = Annotated[float | None, Query(
    ge=0.0, le=1.0, description="Lowest score returned, 0 to 1 (default: the screener's for "
    "/match, WATCHLIST_API_SEARCH_THRESHOLD for /search).")]
Limit = Annotated[int | None, Query(
    ge=1, description="Most results per query (default 5; at most WATCHLIST_API_MAX_LIMIT, "
    "500 unless configured).")]


def _named(value: str) -> str:
    if not any(part.strip() for part in value.split(",")):
        raise ValueError("blank: name a source, e.g. un_sc_sanctions")
    return value


#: One `sources` value: source ids separated by commas, at least one (blank is a 422).
SourceList = Annotated[str, AfterValidator(_named),
                       WithJsonSchema({"type": "string", "pattern": r"[^,\s]"})]
Sources = Annotated[list[SourceList] | None, Query(
    description="Only parties designated by these sources (repeat the parameter or separate "
    "with commas), e.g. un_sc_sanctions.")]


def _limit(limit: int | None, settings: Settings) -> int:
    if limit is None:
        return settings.default_limit
    if limit > settings.max_limit:
        raise ApiError(422, f"limit: {limit} is too many; at most {settings.max_limit}")
    return limit


def _sources(sources: list[str] | None, screener: Screener) -> set[str] | None:
    if not sources:
        return None
    wanted = {s.strip() for item in sources for s in item.split(",") if s.strip()}
    serving = {v["source"] for v in screener.index.versions}
    unknown = sorted(wanted - serving)
    if unknown:
        raise ApiError(422, f"sources: {', '.join(map(repr, unknown))} not serving; serving: "
                       f"{', '.join(sorted(serving)) or 'none'}")
    return wanted or None


def _hits(screener: Screener, query: dict[str, Any], score_at: float,
          wanted: set[str] | None, limit: int) -> tuple[list[Hit], int]:
    """One query's hits from the wanted sources, best first: (the first `limit`, how many)."""
    hits = [kept for hit in screener.check(query, threshold=score_at)
            if (kept := keep_hit(hit, wanted)) is not None]
    return hits[:limit], len(hits)


async def _screen(request: Request, store: Store, caller: Caller, action: str,
                  queries: dict[str, tuple[dict[str, Any], dict[str, Any]]],
                  threshold: float | None, limit: int, sources: list[str] | None
                  ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Screen prepared queries, log them, and shape the results: (per key, matcher,
    versions). Answered only once the audit entries are committed.

    Queries are scored on the event loop, `CHUNK` at a time with a turn of the loop in
    between, so a large batch does not hold up the requests that come in meanwhile (a
    thread would compete with the loop for the interpreter). Only opening the screener,
    on the first request, is done in a thread.
    """
    holder: ScreenerHolder = request.app.state.screener
    screener = holder.get() if holder.loaded else await anyio.to_thread.run_sync(holder.get)
    wanted = _sources(sources, screener)
    refs = screening_refs(screener, wanted)
    score_at = screener.threshold if threshold is None else threshold
    found: dict[str, tuple[list[Hit], int]] = {}
    for n, (key, (query, _echo)) in enumerate(queries.items()):
        if n and n % CHUNK == 0:
            await asyncio.sleep(0)
        found[key] = _hits(screener, query, score_at, wanted, limit)
    cache: EntityCache = request.app.state.entities
    entities = cache.get(store, [int(v["id"]) for v in screener.index.versions],
                         [h.entity_id for hits, _n in found.values() for h in hits])
    shaped: dict[str, Any] = {}
    log = []
    for key, (hits, total) in found.items():
        results = [result_body(h, entities.get(h.entity_id)) for h in hits]
        shaped[key] = {"results": results, "total": {"value": total, "relation": "eq"}}
        log.append((caller.actor, action,
                    {"key": key, **queries[key][1], "threshold": score_at, "limit": limit,
                     "sources": sorted(wanted) if wanted else None},
                    refs, [audit_hit(r) for r in results]))
    use_refs(request, refs)
    writer: AuditWriter = request.app.state.audit
    await writer.append(log)
    matcher = {"algorithm": screener.algorithm.NAME, "threshold": score_at, "limit": limit}
    return shaped, matcher, refs


MatchParams = create_model("MatchParams", threshold=(Threshold, None), limit=(Limit, None),
                           sources=(Sources, None))


async def _match_args(request: Request) -> dict[str, Any]:
    """The arguments of `match`, read as FastAPI would but faster (see api/lean.py): the
    key first, then every query-parameter and body error together (one 422, or the 400 of
    malformed JSON: the error handler puts that first)."""
    state = request.app.state
    caller = check_role(await current_caller(request, request.headers.get("authorization"),
                                             request.headers.get("x-api-key")), "screen")
    errors: list[Any] = []
    params: dict[str, Any] = {}
    try:
        params = query_params(MatchParams, request, lists=("sources",)).model_dump()
    except RequestValidationError as exc:
        errors += exc.errors()
    try:
        body = await json_body(MatchRequest, request)
    except RequestValidationError as exc:
        errors += exc.errors()
    if errors:
        raise RequestValidationError(errors)
    return {"request": request, "body": body, "store": state.store,
            "settings": state.settings, "caller": caller, **params}


async def match(
    request: Request,
    body: MatchRequest,
    store: StoreDep,
    settings: SettingsDep,
    caller: ScreenCaller,
    threshold: Threshold = None,
    limit: Limit = None,
    sources: Sources = None,
) -> dict[str, Any]:
    """Screen a batch of parties (yente's request shape): each query is a FollowTheMoney
    entity example; each answer lists the designated parties it matched, best first, with
    their score, the explanation of that score, and every designation.

    Every query is written to the audit log with the caller, the list versions used and the
    results returned."""
    limit = _limit(limit, settings)
    if len(body.queries) > settings.max_batch:
        raise ApiError(422, f"queries: {len(body.queries)} queries in one request; at most "
                       f"{settings.max_batch}")
    prepared: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for key, example in body.queries.items():
        too_long = length_problem("queries: a key", key) or (
            example.id is not None and length_problem(f"queries.{key}.id", example.id)) or (
            length_problem(f"queries.{key}.schema", example.schema_))
        if too_long:
            raise ApiError(422, too_long)
        query, props = example_query(key, example.schema_, example.properties)
        prepared[key] = (query, {"id": example.id, "schema": example.schema_,
                                 "properties": props})
    too_much = request_names_problem("queries", (n for query, _echo in prepared.values()
                                                 for n in query["name"]))
    if too_much:
        raise ApiError(422, too_much)
    shaped, matcher, refs = await _screen(request, store, caller, "match", prepared,
                                          threshold, limit, sources)
    responses = {key: {"status": 200, **shaped[key], "query": prepared[key][1]}
                 for key in prepared}
    return {"responses": responses, "matcher": matcher, "limit": limit, "versions": refs}


router.add_api_route("/match", match, methods=["POST"], response_model=MatchResponse,
                     summary="Match entities", responses=_ERRORS,
                     route_class_override=lean_route(_match_args))


@router.get("/search", response_model=SearchResponse, summary="Search by name",
            responses=_ERRORS)
async def search(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: ScreenCaller,
    q: Annotated[str, Query(min_length=1, max_length=MAX_NAME_CHARS, description="A name.")],
    schema: Annotated[str, Query(description="The kind of party: Person, Organization, "
                                 "Company, LegalEntity, Vessel, Airplane, or Thing (any).",
                                 json_schema_extra={"enum": MATCH_SCHEMATA})] = "Thing",
    threshold: Threshold = None,
    limit: Limit = None,
    sources: Sources = None,
) -> dict[str, Any]:
    """The designated parties whose names are like `q`, best first (a looser threshold
    than /match by default). Logged in the audit log like /match."""
    limit = _limit(limit, settings)
    query, _props = example_query("q", schema, {"name": [q]}, where="search")
    prepared = {"q": (query, {"schema": schema, "q": q})}
    shaped, _matcher, refs = await _screen(
        request, store, caller, "search", prepared,
        settings.search_threshold if threshold is None else threshold, limit, sources)
    return {**shaped["q"], "limit": limit, "offset": 0, "versions": refs}
