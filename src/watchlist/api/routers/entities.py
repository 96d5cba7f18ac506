"""A listed party's full profile: GET /entities/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from followthemoney import EntityProxy

from watchlist.api.audit_writer import AuditWriter
from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import DATE_SCHEMA, StoreDep, check_date
from watchlist.api.errors import ApiError
from watchlist.api.models import EntityResponse, error_responses
from watchlist.errors import StoreError
from watchlist.profiles.record import Profile, designation
from watchlist.profiles.view import load_whole_profile
from watchlist.screening.holder import NotServing, ScreenerHolder
from watchlist.store.store import Store
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Data access"])


def _nested(entity: EntityProxy, source: str) -> dict[str, Any]:
    data = entity.to_dict()
    return {"id": data["id"], "caption": entity.caption, "schema": data["schema"],
            "properties": data["properties"], "datasets": [source]}


def entity_body(store: Store, profile: Profile, as_of: str | None = None) -> dict[str, Any]:
    """The profile as yente shows an entity: linked entities nested in its properties."""
    entity, version = profile.entity, profile.version
    properties: dict[str, list[Any]] = dict(entity.to_dict()["properties"])
    # Entities this one points at (addresses, ...) replace their ids where stored, as yente
    # nests them.
    for name, values in list(properties.items()):
        prop = entity.schema.properties.get(name)
        if prop is None or prop.type.name != "entity":
            continue
        resolved: list[Any] = []
        for value in values:
            try:
                ref, _, ref_version = store.entity(value, as_of)
            except StoreError:
                resolved.append(value)
            else:
                resolved.append(_nested(ref, ref_version.source))
        properties[name] = resolved
    # Entities that point at this one (sanctions, identifications, ...) nest under the
    # reverse property, as yente does.
    for other in profile.linked:
        for prop in other.schema.properties.values():
            if prop.reverse is None or entity.id not in other.get(prop, quiet=True):
                continue
            properties.setdefault(prop.reverse.name, []).append(_nested(other, version.source))
            break
    return {
        "id": entity.id,
        "caption": entity.caption,
        "schema": entity.schema.name,
        "properties": properties,
        "datasets": [version.source],
        "target": "sanction" in entity.get("topics", quiet=True) or bool(profile.sanctions),
        "designations": [designation(s) for s in profile.sanctions],
        "source": version.source,
        "version": version.version,
        "published": version.published,
    }


def _index(request: Request) -> Any:
    """The screener's index (which records are one party), or None before any list serves."""
    holder: ScreenerHolder | None = getattr(request.app.state, "screener", None)
    if holder is None:
        return None
    try:
        return holder.get().index
    except NotServing:
        return None


def merged_body(records: list[dict[str, Any]], profile_id: str | None,
                links: list[dict[str, Any]]) -> dict[str, Any]:
    """Records of one party as yente returns a merged entity: the lead record's caption and
    schema, every record's properties in one set, `datasets` every list, `referents` the
    record ids, with the records themselves and the links' evidence."""
    lead = records[0]
    properties: dict[str, list[Any]] = {}
    for record in records:
        for name, values in record["properties"].items():
            merged = properties.setdefault(name, [])
            merged.extend(v for v in values if v not in merged)
    return {
        **lead,
        "id": profile_id if profile_id and len(records) > 1 else lead["id"],
        "profile_id": profile_id,
        "properties": properties,
        "datasets": sorted({d for r in records for d in r["datasets"]}),
        "referents": [r["id"] for r in records],
        "target": any(r["target"] for r in records),
        "designations": [d for r in records for d in r["designations"]],
        "records": records,
        "links": links,
    }


@router.get("/entities/{entity_id}", response_model=EntityResponse, summary="Entity profile",
            responses=error_responses(401, 403, 404, 422))
def fetch_entity(
    request: Request,
    entity_id: Annotated[str, Path(description="A record id (as /match and `watchlist "
                                   "check` give) or a profile id.")],
    store: StoreDep,
    caller: ScreenCaller,
    as_of: Annotated[str | None, Query(description="The profile as the lists stood on this "
                                       "date (YYYY-MM-DD).", json_schema_extra=DATE_SCHEMA)]
    = None,
) -> dict[str, Any]:
    """A listed party merged from every list record linked to it, as yente returns a merged
    entity (`referents` the record ids, `datasets` every list), with each record (its
    designations: publisher, regime, reference, listing date and statement of reasons;
    names, identifiers and addresses) and the evidence linking them. Each view is written
    to the audit log under the calling key."""
    check_date(as_of)
    try:
        whole = load_whole_profile(store, _index(request), entity_id, as_of)
    except StoreError as exc:
        use_versions(request, store.serving(as_of))
        raise ApiError(404, str(exc)) from None
    ordered = sorted(whole.records, key=lambda p: p.entity.id != whole.lead_id)
    records = [entity_body(store, p, as_of) for p in ordered]
    body = merged_body(records, whole.profile_id, whole.links)
    versions = [p.version for p in ordered]
    writer: AuditWriter = request.app.state.audit
    writer.submit([(caller.actor, "profile-view",
                    {"entity_id": entity_id, "as_of": as_of, "via": "api"}, versions,
                    [{"entity_id": body["id"], "caption": body["caption"]}])]).result()
    body["versions"] = use_versions(request, versions)
    return body
