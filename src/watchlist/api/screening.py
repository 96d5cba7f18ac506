"""Screening for the API: yente queries mapped onto the screener, results shaped as yente
shapes them, the versions each screening used, and each hit as the audit log keeps it.

The screener itself is kept current by `watchlist.screening.holder`, which the analysts'
pages share; every answer names the versions of the screener that produced it.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections import OrderedDict
from typing import Any

from followthemoney import model
from followthemoney.property import Property
from followthemoney.schema import Schema
from followthemoney.types import registry
from sqlalchemy import and_, select

from watchlist.api.errors import ApiError
from watchlist.fieldlimits import Kind, length_problem, properties_problem, values_problem
from watchlist.screener import QUERY_SCHEMATA, Hit, QueryError, Screener, parse_query
from watchlist.screening.hits import hit_sources
from watchlist.store import schema as t
from watchlist.store.labels import version_ref
from watchlist.store.store import Store

log = logging.getLogger("watchlist.api")

#: Schemata /match accepts: the ones the screener screens (Thing: any kind of party).
MATCH_SCHEMATA = sorted({s for s in QUERY_SCHEMATA.values() if s} | {"Thing"})
#: FtM properties that carry names, in the order they are used.
NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "abbreviation")
NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
DATE_PROPS = ("birthDate", "incorporationDate", "buildDate")
COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "birthCountry",
                 "mainCountry", "registrationCountry", "flag")


_REFS: weakref.WeakKeyDictionary[Screener, dict[frozenset[str] | None, list[dict[str, Any]]]] \
    = weakref.WeakKeyDictionary()


def screening_refs(screener: Screener, wanted: set[str] | None) -> list[dict[str, Any]]:
    """The JSON form of the versions a screening used (all of the screener's, or those of
    the `wanted` sources), made once per screener and shared: read it, never change it."""
    made = _REFS.setdefault(screener, {})
    key = frozenset(wanted) if wanted else None
    refs = made.get(key)
    if refs is None:
        refs = made[key] = [version_ref(v) for v in screener.index.versions
                            if not wanted or v["source"] in wanted]
    return refs


# -- queries -------------------------------------------------------------------------------


def _schema(name: str, where: str) -> Schema:
    schema = model.get(name)
    if schema is None:
        raise ApiError(422, f"{where}.schema: unknown schema {name!r} (e.g. Person, "
                       "Organization, Company, LegalEntity, Vessel)")
    if schema.name not in MATCH_SCHEMATA:
        raise ApiError(422, f"{where}.schema: {schema.name} cannot be screened; use one of "
                       f"{', '.join(MATCH_SCHEMATA)}")
    return schema


def _as_list(value: str | list[str]) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _kind(prop: Property) -> Kind:
    """Which length limit a property's values have (see watchlist.fieldlimits)."""
    if prop.type == registry.name or prop.name in NAME_PARTS:
        return "name"
    if prop.type in (registry.text, registry.address, registry.string):
        return "text"
    return "value"


def example_query(key: str, schema_name: str, properties: dict[str, Any],
                  where: str | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A yente entity example as a screener query, and its properties cleaned for the echo.

    Unknown schemata and properties are a 422 naming the query; a query the screener cannot
    use (no name, an unreadable birth date) too.
    """
    where = where or f"queries.{key}"
    schema = _schema(schema_name, where)
    too_many = properties_problem(f"{where}.properties", len(properties))
    if too_many:
        raise ApiError(422, too_many)
    props: dict[str, list[str]] = {}
    for name, value in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise ApiError(422, f"{where}.properties: unknown property {name!r} of schema "
                           f"{schema.name}")
        values = _as_list(value)
        too_large = values_problem(f"{where}.properties.{name}", values, _kind(prop))
        if too_large:
            raise ApiError(422, too_large)
        if values:
            props[prop.name] = values
    names = [v for p in NAME_PROPS for v in props.get(p, [])]
    if not names:
        parts = [" ".join(props[p]) for p in NAME_PARTS if props.get(p)]
        if parts:
            names = [" ".join(parts)]
            too_long = length_problem(f"{where}.properties: the name its parts make",
                                      names[0], "name")
            if too_long:
                raise ApiError(422, too_long)
    query: dict[str, Any] = {"name": names, "schema": schema.name}
    if schema.name == "Thing":
        query["schema"] = None
    dates = [v for p in DATE_PROPS for v in props.get(p, [])]
    if dates:
        query["birth_date"] = dates
    countries = [v for p in COUNTRY_PROPS for v in props.get(p, [])]
    if countries:
        query["country"] = countries
    identifiers = [v for p, vs in props.items() if schema.get(p).type == registry.identifier
                   for v in vs]
    if identifiers:
        query["identifier"] = identifiers
    try:
        parse_query(query)
    except QueryError as exc:
        hint = " (give properties.name)" if not names else ""
        raise ApiError(422, f"{where}: {exc}{hint}") from None
    return query, props


# -- results -------------------------------------------------------------------------------


class EntityCache:
    """Recently answered entities by (serving versions, id): hits repeat, their stored
    bodies do not change within a set of versions, and reading them is a SQL query."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[tuple[int, ...], str], dict[str, Any]] = OrderedDict()

    def get(self, store: Store, version_ids: list[int],
            entity_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored entities with these ids in these versions, from the cache or the store."""
        key = tuple(sorted(version_ids))
        found: dict[str, dict[str, Any]] = {}
        with self.lock:
            for entity_id in entity_ids:
                item = self.items.get((key, entity_id))
                if item is not None:
                    self.items.move_to_end((key, entity_id))
                    found[entity_id] = item
        missing = [e for e in entity_ids if e not in found]
        if missing:
            read = entity_properties(store, version_ids, missing)
            found.update(read)
            with self.lock:
                for entity_id, item in read.items():
                    self.items[(key, entity_id)] = item
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
        return found


def entity_properties(store: Store, version_ids: list[int],
                      entity_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored entities with these ids in these versions (those the screener used)."""
    if not entity_ids or not version_ids:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.version_entities.c.entity_id, t.entity_data.c.data)
            .join(t.entity_data, t.entity_data.c.hash == t.version_entities.c.hash)
            .where(and_(t.version_entities.c.version_id.in_(version_ids),
                        t.version_entities.c.entity_id.in_(sorted(set(entity_ids)))))
        ).all()
    return {r.entity_id: json.loads(r.data) for r in rows}


def result_body(hit: Hit, entity: dict[str, Any] | None) -> dict[str, Any]:
    """A hit as yente's scored entity, with watchlist's designations and profile."""
    explanation = hit.explanation or {}
    return {
        "id": hit.entity_id,
        "caption": hit.caption,
        "schema": hit.schema,
        "properties": (entity or {}).get("properties", {}),
        "datasets": hit_sources(hit),
        "target": True,
        "score": round(hit.score, 4),
        "match": hit.match,
        "features": {name: f.get("contribution", f.get("score"))
                     for name, f in explanation.items() if isinstance(f, dict)},
        "explanations": explanation,
        "designations": [dict(d) for d in hit.designations],
        "profile_id": hit.profile_id,
        "entity_ids": list(hit.entity_ids),
        "matched_entity_id": hit.matched_entity_id,
        "basis": hit.basis,
        "ownership": hit.ownership,
    }


def audit_hit(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in ("id", "caption", "schema", "score", "match", "datasets")}
