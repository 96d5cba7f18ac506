"""A listed party's full profile: GET /entities/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from followthemoney import EntityProxy

from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import DATE_SCHEMA, StoreDep, check_date
from watchlist.api.errors import ApiError
from watchlist.api.models import EntityResponse, error_responses
from watchlist.errors import StoreError
from watchlist.profiles.record import Profile, designation, load_profile
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


@router.get("/entities/{entity_id}", response_model=EntityResponse, summary="Entity profile",
            responses=error_responses(401, 403, 404, 422))
def fetch_entity(
    request: Request,
    entity_id: Annotated[str, Path(description="The entity id (as /match and `watchlist "
                                   "check` give).")],
    store: StoreDep,
    _caller: ScreenCaller,
    as_of: Annotated[str | None, Query(description="The profile as the lists stood on this "
                                       "date (YYYY-MM-DD).", json_schema_extra=DATE_SCHEMA)]
    = None,
) -> dict[str, Any]:
    """A listed party with every designation: publisher, regime, reference, listing date and
    statement of reasons, plus its names, identifiers and addresses."""
    check_date(as_of)
    try:
        profile = load_profile(store, entity_id, as_of)
    except StoreError as exc:
        use_versions(request, store.serving(as_of))
        raise ApiError(404, str(exc)) from None
    body = entity_body(store, profile, as_of)
    body["versions"] = use_versions(request, [profile.version])
    return body
