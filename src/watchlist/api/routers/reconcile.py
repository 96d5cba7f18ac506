"""The W3C Reconciliation Service API (version 0.2, what OpenRefine 3.x speaks): /reconcile.

    GET  /reconcile                      the service manifest (no key needed)
    GET  /reconcile?queries={...}        a batch of queries (also POST, form field `queries`)
    GET  /reconcile/suggest/entity       listed parties whose names start with `prefix`
    GET  /reconcile/suggest/type         the types (FtM schemata) a query may name
    GET  /reconcile/suggest/property     the properties a query may use
    GET  /reconcile/preview?id=...       a small HTML card of a listed party (OpenRefine's
                                         preview pane)

OpenRefine cannot send custom headers, so on these routes (and only here) the key may also
come as the `api_key` query parameter: add the service in OpenRefine as
`https://HOST/reconcile?api_key=KEY`. The manifest is open; when it is fetched with a valid
`api_key`, the suggest and preview addresses it announces carry the key too. Keys in URLs
end up in proxy and browser logs: give OpenRefine users a `screen` key of their own.

Candidates are returned from WATCHLIST_API_SEARCH_THRESHOLD (0.5) up, for review; `match`
(OpenRefine's auto-match) is true only for the best candidate, when it alone scores at the
screener's threshold. Scores are 0-100. Every query is written to the audit log (action
`reconcile`) like /match. Any GET route takes a JSONP `callback`.
"""

from __future__ import annotations

import html
import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from watchlist.api.auth import Caller, check_role, resolve_caller
from watchlist.api.errors import ApiError
from watchlist.api.models import (
    ReconcileManifest,
    ReconcileResponse,
    SuggestResponse,
    error_responses,
)
from watchlist.api.screening import MATCH_SCHEMATA
from watchlist.fieldlimits import (
    MAX_VALUES,
    length_problem,
    properties_problem,
    values_problem,
)
from watchlist.jsondepth import depth_error, too_deep
from watchlist.screener import Hit, QueryError, Screener, parse_query
from watchlist.screening.holder import ScreenerHolder
from watchlist.service_settings import Settings
from watchlist.store.keys import verify_key
from watchlist.store.labels import version_ref
from watchlist.versions_header import use_versions

router = APIRouter(prefix="/reconcile", tags=["Reconciliation (OpenRefine)"])

SPEC_VERSIONS = ["0.2"]
SERVICE_NAME = "watchlist sanctions screening"
SCHEMA_SPACE = "https://followthemoney.tech/explorer/schemata/"
#: The types a query may name, best known first (Thing: any kind of party).
TYPE_ORDER = ("Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane",
              "PublicBody", "Thing")
TYPES = [t for t in TYPE_ORDER if t in MATCH_SCHEMATA] + sorted(
    set(MATCH_SCHEMATA) - set(TYPE_ORDER))
TYPE_NAMES = {"LegalEntity": "Legal entity", "PublicBody": "Public body",
              "Thing": "Any kind of party"}
#: Properties a query may use: id -> (name, what it means, the screener field).
PROPERTIES: dict[str, tuple[str, str, str]] = {
    "birthDate": ("Date of birth", "A date or year of birth (or incorporation, build).",
                  "birth_date"),
    "nationality": ("Nationality", "A country name or ISO code.", "country"),
    "country": ("Country", "A country name or ISO code (same as nationality).", "country"),
    "idNumber": ("ID number", "Any identifier: national id, tax number...", "identifier"),
    "passportNumber": ("Passport number", "A passport number.", "identifier"),
    "registrationNumber": ("Registration number", "A company registration number.",
                           "identifier"),
}
#: A JSONP callback: a JavaScript function name, dotted names allowed (ASCII, at most 100).
CALLBACK_PATTERN = r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$"
CALLBACK_MAX = 100
_CALLBACK = re.compile(CALLBACK_PATTERN)
_SUGGEST_LIMIT = 10
_ERRORS = error_responses(400, 401, 403, 422, 503)
#: The 200 answer of a route taking `callback`: JSON, or JSONP (JavaScript) with it.
_JSONP = {200: {"content": {"application/javascript": {
    "schema": {"type": "string", "description": "`/**/CALLBACK(JSON);`"}}},
    "description": "JSON; JavaScript (JSONP) when `callback` is given."}}

ApiKeyParam = Annotated[str | None, Query(
    description="The API key, for clients that cannot send headers (OpenRefine). The "
    "`Authorization` and `X-API-Key` headers work too.")]
# Documented, not validated by FastAPI: a bad name is the 400 `_answer` gives.
Callback = Annotated[str | None, Query(
    description="JSONP: wrap the answer in this function (a JavaScript name, dotted names "
    "allowed); the answer is then application/javascript.",
    json_schema_extra={"pattern": CALLBACK_PATTERN, "maxLength": CALLBACK_MAX})]


# -- plumbing ------------------------------------------------------------------------------


def _caller(request: Request, api_key: str | None) -> Caller:
    """The caller by header or `api_key`, or 401/403 (anyone when auth is off)."""
    caller = resolve_caller(request, request.headers.get("authorization"), api_key)
    return check_role(caller, "screen")


def _answer(body: Any, callback: str | None = None) -> Response:
    """JSON, or JSONP when a callback is named."""
    if callback is None:
        return JSONResponse(body)
    if not _CALLBACK.match(callback) or len(callback) > CALLBACK_MAX:
        raise ApiError(400, "callback: not a JavaScript function name")
    text = json.dumps(body, ensure_ascii=False)
    return Response(f"/**/{callback}({text});", media_type="application/javascript")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _type_ref(name: str) -> dict[str, str]:
    return {"id": name, "name": TYPE_NAMES.get(name, name)}


def _holder(request: Request) -> ScreenerHolder:
    return request.app.state.screener


# -- queries -------------------------------------------------------------------------------


def _values(value: Any, where: str) -> list[str]:
    """A property value as OpenRefine sends it: a string, a number, a reconciled cell
    ({"id", "name"}), or a list of those."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("id")
        if isinstance(item, bool) or item is None:
            raise ApiError(400, f"{where}: a string or number is needed")
        if isinstance(item, int | float):
            item = str(item)
        if not isinstance(item, str):
            raise ApiError(400, f"{where}: a string or number is needed")
        if item.strip():
            out.append(item.strip())
    return out


def _type(value: Any, where: str) -> str:
    """The schema a query names (a type id, {"id"}, or a list: several mean any)."""
    if value is None or value == "" or value == []:
        return "Thing"
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id")
        if not isinstance(item, str):
            raise ApiError(400, f"{where}.type: a type id is needed")
        match = next((t for t in TYPES if t.lower() == item.strip().lower()), None)
        if match is None:
            raise ApiError(400, f"{where}.type: unknown type {item!r}; use one of "
                           f"{', '.join(TYPES)}")
        names.append(match)
    return names[0] if len(set(names)) == 1 else "Thing"


def prepare_query(key: str, raw: Any, settings: Settings
                  ) -> tuple[dict[str, Any], dict[str, Any], int]:
    """One reconciliation query as (screener query, echo for the audit log, limit)."""
    where = f"queries.{key}"
    if not isinstance(raw, dict):
        raise ApiError(400, f"{where}: a query object is needed")
    text = raw.get("query")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, f"{where}.query: a name is needed")
    too_long = length_problem(f"{where}.query", text.strip(), "name")
    if too_long:
        raise ApiError(422, too_long)
    schema = _type(raw.get("type"), where)
    limit = raw.get("limit", settings.default_limit)
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ApiError(400, f"{where}.limit: a positive whole number is needed")
    limit = min(limit, settings.max_limit)
    props = raw.get("properties") or []
    if not isinstance(props, list):
        raise ApiError(400, f"{where}.properties: a list of {{pid, v}} is needed")
    too_many = properties_problem(f"{where}.properties", len(props))
    if too_many:
        raise ApiError(422, too_many)
    query: dict[str, Any] = {"name": [text.strip()], "schema": None if schema == "Thing"
                             else schema}
    echo_props = []
    for i, prop in enumerate(props):
        at = f"{where}.properties[{i}]"
        if not isinstance(prop, dict):
            raise ApiError(400, f"{at}: a {{pid, v}} object is needed")
        pid = prop.get("pid", prop.get("p"))
        if not isinstance(pid, str) or pid not in PROPERTIES:
            raise ApiError(400, f"{at}.pid: unknown property {pid!r}; use one of "
                           f"{', '.join(PROPERTIES)}")
        values = _values(prop.get("v"), f"{at}.v")
        earlier = len(query.get(PROPERTIES[pid][2], []))
        too_large = values_problem(f"{at}.v", values) or (
            earlier + len(values) > MAX_VALUES
            and f"{where}.properties: {earlier + len(values):,} values of the kind of "
                f"{pid}; at most {MAX_VALUES}")
        if too_large:
            raise ApiError(422, too_large)
        if values:
            query.setdefault(PROPERTIES[pid][2], []).extend(values)
            echo_props.append({"pid": pid, "v": values})
    try:
        parse_query(query)
    except QueryError as exc:
        raise ApiError(422, f"{where}: {exc}") from None
    echo = {"query": text.strip(), "type": schema, "properties": echo_props}
    return query, echo, limit


def parse_queries(raw: str | None, settings: Settings) -> dict[str, Any]:
    """The `queries` parameter: a JSON object of queries by key, or 400."""
    if raw is None:
        raise ApiError(400, "queries: missing")
    if too_deep(raw):
        raise ApiError(422, depth_error("queries"))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"queries: malformed JSON: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise ApiError(400, "queries: a JSON object of queries by key is needed, e.g. "
                       '{"q0": {"query": "Ivan Testovsky", "type": "Person"}}')
    if len(data) > settings.max_batch:
        raise ApiError(422, f"queries: {len(data)} queries in one request; at most "
                       f"{settings.max_batch}")
    return data


def _description(hit: Hit) -> str:
    refs = [f"{d.get('source')} {d.get('ref')}".strip() for d in hit.designations
            if d.get("source")]
    shown = ", ".join(dict.fromkeys(refs[:4]))
    more = f" and {len(refs) - 4} more" if len(refs) > 4 else ""
    return f"{hit.schema}; listed: {shown}{more}" if shown else hit.schema


def _candidates(hits: list[Hit], screener: Screener, limit: int) -> list[dict[str, Any]]:
    matching = [h for h in hits if h.score >= screener.threshold]
    results = []
    for i, hit in enumerate(hits[:limit]):
        results.append({
            "id": hit.entity_id,
            "name": hit.caption,
            "type": [_type_ref(hit.schema)],
            "score": round(hit.score * 100, 2),
            "match": i == 0 and len(matching) == 1 and matching[0] is hit,
            "description": _description(hit),
        })
    return results


def reconcile_batch(request: Request, caller: Caller, queries: dict[str, Any]
                    ) -> dict[str, Any]:
    """Screen a batch, write each query to the audit log, answer in the spec's shape."""
    settings: Settings = request.app.state.settings
    prepared = {key: prepare_query(key, raw, settings) for key, raw in queries.items()}
    screener = _holder(request).get()
    loose = min(settings.search_threshold, screener.threshold)
    answers: dict[str, Any] = {}
    for key, (query, _echo, limit) in prepared.items():
        answers[key] = {"result": _candidates(screener.check(query, threshold=loose),
                                              screener, limit)}
    refs = [version_ref(v) for v in screener.index.versions]
    log = []
    for key, (_query, echo, limit) in prepared.items():
        hits = [{"id": r["id"], "caption": r["name"], "schema": r["type"][0]["id"],
                 "score": r["score"] / 100, "match": r["match"]} for r in answers[key]["result"]]
        log.append((caller.actor, "reconcile",
                    {"key": key, **echo, "threshold": loose, "limit": limit}, refs, hits))
    request.app.state.audit.submit(log).result()  # group commit; wait for it
    use_versions(request, screener.index.versions)
    return answers


def manifest(request: Request, api_key: str | None) -> dict[str, Any]:
    base = _base(request)
    key_ok = bool(api_key) and request.app.state.auth and verify_key(
        request.app.state.store, api_key) is not None
    with_key = f"api_key={quote(api_key or '', safe='')}" if key_ok else ""
    path_key = f"?{with_key}" if with_key else ""

    def service(path: str) -> dict[str, str]:
        return {"service_url": base, "service_path": f"/reconcile/suggest/{path}{path_key}"}

    return {
        "versions": SPEC_VERSIONS,
        "name": SERVICE_NAME,
        "identifierSpace": f"{base}/entities/",
        "schemaSpace": SCHEMA_SPACE,
        "defaultTypes": [_type_ref(t) for t in TYPES],
        "view": {"url": f"{base}/entities/{{{{id}}}}"},
        "preview": {"url": f"{base}/reconcile/preview?id={{{{id}}}}"
                           f"{'&' + with_key if with_key else ''}",
                    "width": 430, "height": 180},
        "suggest": {"entity": service("entity"), "type": service("type"),
                    "property": service("property")},
        "batchSize": min(request.app.state.settings.max_batch, 10),
    }


async def _form_queries(request: Request) -> str | None:
    """`queries` from a POST body: form-encoded (OpenRefine) or JSON {"queries": ...}."""
    body = await request.body()
    if not body:
        return None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ApiError(400, f"malformed JSON in the request body: {exc}") from None
        if isinstance(data, dict) and "queries" in data:
            value = data["queries"]
            return value if isinstance(value, str) else json.dumps(value)
        return json.dumps(data)
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise ApiError(400, "the request body is not UTF-8") from None
    values = form.get("queries")
    return values[-1] if values else None


# -- routes --------------------------------------------------------------------------------

_QUERIES_TEXT = {"type": "string", "description": "The queries as JSON, as for GET."}
#: What POST /reconcile reads (none: the manifest).
_POST_BODY: dict[str, Any] = {"requestBody": {"required": False, "content": {
    "application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {"queries": _QUERIES_TEXT}}},
    "application/json": {"schema": {
        "type": "object", "properties": {"queries": {"anyOf": [
            _QUERIES_TEXT, {"type": "object", "description": "The queries by key."}]}}}},
}}}


@router.get("", response_model=ReconcileManifest | ReconcileResponse,
            summary="Reconcile (manifest or queries)", responses={**_ERRORS, **_JSONP})
async def reconcile_get(
    request: Request,
    queries: Annotated[str | None, Query(
        description='JSON: {"q0": {"query": "a name", "type": "Person", "limit": 3, '
        '"properties": [{"pid": "birthDate", "v": "1961"}]}}. Without it: the service '
        "manifest.")] = None,
    api_key: ApiKeyParam = None,
    callback: Callback = None,
) -> Response:
    """The service manifest (no key needed) or, with `queries`, their candidates: a batch
    of names with an optional type and properties (birthDate, nationality/country,
    idNumber/passportNumber/registrationNumber). Every query is audited."""
    if queries is None:
        return _answer(manifest(request, api_key), callback)
    caller = _caller(request, api_key)
    batch = parse_queries(queries, request.app.state.settings)
    answers = await run_in_threadpool(reconcile_batch, request, caller, batch)
    return _answer(answers, callback)


@router.post("", response_model=ReconcileResponse | ReconcileManifest,
             summary="Reconcile queries (or the manifest)",
             responses=error_responses(400, 401, 403, 413, 422, 503),
             openapi_extra=_POST_BODY)
async def reconcile_post(
    request: Request,
    queries: Annotated[str | None, Query(description="The queries, if not in the body.")]
    = None,
    api_key: ApiKeyParam = None,
) -> Response:
    """OpenRefine's request: form field `queries` (JSON, as for GET). A JSON body
    {"queries": {...}} works too. Without queries: the manifest."""
    raw = await _form_queries(request) or queries
    if raw is None:
        return _answer(manifest(request, api_key))
    caller = _caller(request, api_key)
    batch = parse_queries(raw, request.app.state.settings)
    answers = await run_in_threadpool(reconcile_batch, request, caller, batch)
    return _answer(answers)


def _prefix(prefix: str) -> str:
    return " ".join(prefix.casefold().split())


def _suggest_entities(request: Request, prefix: str, limit: int) -> list[dict[str, Any]]:
    screener = _holder(request).get()
    index = screener.index
    wanted = _prefix(prefix)
    found: dict[str, dict[str, Any]] = {}
    seen: set[int] = set()
    for e, party in enumerate(index.parties):
        pid = int(index.profile_of[e])
        if pid in seen:
            continue
        for name in [party.caption or ""] + [n for n, _weak in party.names]:
            norm = " ".join(name.casefold().split())
            if norm.startswith(wanted) or f" {wanted}" in norm:
                seen.add(pid)
                lead = index.parties[int(index.profile_lead[pid])]
                found[lead.id or ""] = {"id": lead.id, "name": lead.caption or name,
                                        "description": lead.schema or ""}
                break
        if len(found) >= limit:
            break
    if len(found) < limit and len(wanted) >= 3:
        try:
            hits = screener.check({"name": prefix}, threshold=0.5)
        except QueryError:
            hits = []
        for hit in hits:
            if len(found) >= limit:
                break
            found.setdefault(hit.entity_id, {"id": hit.entity_id, "name": hit.caption,
                                             "description": _description(hit)})
    use_versions(request, index.versions)
    return list(found.values())[:limit]


@router.get("/suggest/entity", response_model=SuggestResponse, summary="Suggest parties",
            responses={**_ERRORS, **_JSONP})
async def suggest_entity(
    request: Request,
    prefix: Annotated[str, Query(min_length=1, max_length=200,
                                 description="What the user has typed.")],
    limit: Annotated[int, Query(ge=1, le=100)] = _SUGGEST_LIMIT,
    api_key: ApiKeyParam = None,
    callback: Callback = None,
) -> Response:
    """Listed parties whose names start with `prefix` (then fuzzy matches)."""
    _caller(request, api_key)
    result = await run_in_threadpool(_suggest_entities, request, prefix, limit)
    return _answer({"result": result}, callback)


@router.get("/suggest/type", response_model=SuggestResponse, summary="Suggest types",
            responses={**error_responses(400, 422), **_JSONP})
async def suggest_type(
    prefix: Annotated[str, Query(max_length=200)] = "",
    callback: Callback = None,
) -> Response:
    """The types a query may name (FollowTheMoney schemata) matching `prefix`."""
    wanted = _prefix(prefix)
    result = [{**_type_ref(t), "description": "FollowTheMoney schema"} for t in TYPES
              if t.casefold().startswith(wanted) or
              TYPE_NAMES.get(t, t).casefold().startswith(wanted)]
    return _answer({"result": result}, callback)


@router.get("/suggest/property", response_model=SuggestResponse, summary="Suggest properties",
            responses={**error_responses(400, 422), **_JSONP})
async def suggest_property(
    prefix: Annotated[str, Query(max_length=200)] = "",
    callback: Callback = None,
) -> Response:
    """The properties a query may use, matching `prefix`."""
    wanted = _prefix(prefix)
    result = [{"id": pid, "name": name, "description": text}
              for pid, (name, text, _field) in PROPERTIES.items()
              if pid.casefold().startswith(wanted) or name.casefold().startswith(wanted)
              or f" {wanted}" in f" {name.casefold()}"]
    return _answer({"result": result}, callback)


def _preview(request: Request, entity_id: str) -> str | None:
    screener = _holder(request).get()
    index = screener.index
    e = index.by_id.get(entity_id)
    use_versions(request, index.versions)
    if e is None:
        return None
    party = index.parties[e]
    profile = screener.profile(entity_id)
    members = [index.parties[index.by_id[i]] for i in profile["entity_ids"]]
    rows = "".join(
        f"<li>{html.escape(str(d.get('source') or ''))} {html.escape(str(d.get('ref') or ''))}"
        f" {html.escape(str(d.get('regime') or ''))}"
        f"{' (listed ' + html.escape(str(d['listed'])) + ')' if d.get('listed') else ''}</li>"
        for d in profile["designations"])
    names: list[str] = []
    for member in members:
        names.extend(n for n, _weak in member.names if n not in names)
    aliases = ", ".join(html.escape(n) for n in names[:8] if n != party.caption)
    dates = sorted({d for m in members for d in m.dates})
    countries = sorted({c for m in members for c in m.countries})
    records = "".join(f"<li>{html.escape(m.id or '')}</li>" for m in members)
    links = "".join(
        f"<li>{html.escape(str(link.get('a')))} = {html.escape(str(link.get('b')))}: "
        f"{html.escape(str(link.get('rule')))}</li>" for link in profile["links"])
    return (f"<html><body style='font-family:sans-serif;font-size:13px;margin:4px'>"
            f"<b>{html.escape(party.caption or entity_id)}</b> "
            f"<i>{html.escape(party.schema or '')}</i>"
            f"{'<br>also: ' + aliases if aliases else ''}"
            f"{'<br>born ' + html.escape(', '.join(dates)) if dates else ''}"
            f"{'<br>countries ' + html.escape(', '.join(countries)) if countries else ''}"
            f"<ul style='padding-left:16px;margin:4px 0'>{rows}</ul>"
            + (f"<small>{len(members)} list records, one party:</small>"
               f"<ul style='padding-left:16px;margin:4px 0;font-size:11px'>{records}</ul>"
               f"<ul style='padding-left:16px;margin:4px 0;font-size:11px'>{links}</ul>"
               if len(members) > 1 else "")
            + f"<small>{html.escape(entity_id)}</small></body></html>")


@router.get("/preview", response_class=HTMLResponse, summary="Preview a party",
            responses=error_responses(401, 403, 404, 422, 503))
async def preview(
    request: Request,
    id: Annotated[str, Query(min_length=1, max_length=300, description="An entity id.")],
    api_key: ApiKeyParam = None,
) -> Response:
    """A small HTML card of a listed party (OpenRefine's preview pane)."""
    _caller(request, api_key)
    page = await run_in_threadpool(_preview, request, id)
    if page is None:
        raise ApiError(404, f"no listed party {id!r} in the serving lists")
    return HTMLResponse(page)
