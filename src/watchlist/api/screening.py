"""Screening for the API: the screener kept current, yente queries mapped onto it, results
shaped as yente shapes them, and every screening written to the audit log.

The app holds one `Screener` per process. When the serving versions change (an update, by
the API or the CLI), a new one is opened in the background while the old one goes on
answering; every answer names the versions of the screener that produced it.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.property import Property
from followthemoney.schema import Schema
from followthemoney.types import registry
from sqlalchemy import and_, select

from watchlist.api.deps import version_ref
from watchlist.api.errors import ApiError
from watchlist.fieldlimits import Kind, length_problem, properties_problem, values_problem
from watchlist.index.build import IndexProgress, index_on_disk, wait_for_updates
from watchlist.screener import QUERY_SCHEMATA, Hit, QueryError, Screener, parse_query
from watchlist.store import schema as t
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


def ensure_index(store: Store, timeout: float = 3600,
                 progress: IndexProgress | None = None) -> bool:
    """Build the screening index of the serving versions in a child process, unless it is
    built already; whether it was built. `progress` hears the child's progress.

    Building takes seconds to minutes of CPU; done in a server process it would stall the
    event loop (and uvicorn would restart the worker as unresponsive). The child persists
    the index next to the store, and the server process only loads it, which is quick.
    """
    if index_on_disk(store):
        return False
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "WATCHLIST_DATABASE_URL": store.url,
           "PYTHONPATH": os.pathsep.join(p for p in (package_root,
                                                     os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen([sys.executable, "-m", "watchlist.api.screening"], env=env,
                                 stdout=subprocess.PIPE, stderr=errors, text=True)
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        try:
            assert child.stdout is not None
            built = False
            for line in child.stdout:
                stage, done, total = _progress_line(line)
                if stage == "built":
                    built = True
                elif stage and progress is not None:
                    progress(stage, done, total)
            code = child.wait()
        finally:
            killer.cancel()
        if code != 0:
            errors.seek(0)
            raise RuntimeError(f"building the screening index failed: "
                               f"{errors.read().strip()[-2000:]}")
    return built


def _progress_line(line: str) -> tuple[str, int, int]:
    """A line of the child's progress (stage, done, total), or ("", 0, 0) for another line."""
    parts = line.rstrip("\n").split("\t")
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return "", 0, 0


def _print_progress(stage: str, done: int, total: int) -> None:
    print(f"{stage}\t{done}\t{total}", flush=True)


def open_screener(store: Store) -> Screener:
    """The screener of the store's serving versions, its index built out of process."""
    ensure_index(store)
    return Screener.open(store)


class ScreenerHolder:
    """The process's screener, reopened in the background when the serving versions change."""

    def __init__(self, store: Store,
                 opener: Callable[[Store], Screener] | None = None,
                 check_every: float = 0.0) -> None:
        self.store = store
        self.opener = opener or open_screener
        self.check_every = check_every
        self.lock = threading.Lock()
        self.screener: Screener | None = None
        self.refreshing = False
        self._serving: tuple[int, ...] = ()
        self._checked = float("-inf")
        self._versions: tuple[tuple[int, ...], list[Any]] | None = None

    @staticmethod
    def key_of(versions: Iterable[Any]) -> tuple[int, ...]:
        return tuple(sorted(int(v["id"] if isinstance(v, dict) else v.id) for v in versions))

    def serving_ids(self) -> tuple[int, ...]:
        """The serving version ids, read from the store at most once per `check_every`
        seconds: a new list version is noticed that much later, and the reads cost nothing
        under load."""
        now = time.monotonic()
        if now - self._checked >= self.check_every or not self._serving:
            self._serving = self.store.serving_ids()
            self._checked = now
        return self._serving

    def serving(self) -> list[Any]:
        """The serving versions (as `Store.serving()` gives them), re-read only when the
        serving ids change."""
        ids = self.serving_ids()
        cached = self._versions
        if cached is None or cached[0] != ids:
            cached = (ids, self.store.serving())
            self._versions = cached
        return list(cached[1])

    @property
    def loaded(self) -> bool:
        """Whether a screener is open (so `get` returns without loading an index)."""
        return self.screener is not None

    def get(self) -> Screener:
        """The screener; the first call opens it, later calls never wait for a reopen."""
        serving = self.serving_ids()
        if not serving:
            raise ApiError(503, "no list is serving; run `watchlist update`")
        with self.lock:
            if self.screener is None:
                self.screener = self.opener(self.store)
                return self.screener
            current = self.screener
            if self.key_of(current.index.versions) != serving and not self.refreshing:
                self.refreshing = True
                threading.Thread(target=self._refresh, name="watchlist-screener",
                                 daemon=True).start()
            return current

    def _refresh(self) -> None:
        try:
            wait_for_updates()  # an update builds the new index: load that one when it ends
            fresh = self.opener(self.store)
        except Exception:  # noqa: BLE001 - the old screener goes on answering
            log.exception("could not open the screener of the new list versions")
            fresh = None
        with self.lock:
            if fresh is not None:
                self.screener = fresh
            self.refreshing = False
        if fresh is not None:
            _settle_heap()

    def warm(self) -> None:
        """Open the screener now (at startup), so the first request does not wait."""
        try:
            self.get()
            # Country names are tabulated on first use (seconds): do it now, not on the
            # event loop under the first request that names a country.
            parse_query({"name": "warm", "country": "de", "birth_date": "1970"})
        except Exception:  # noqa: BLE001 - the first request reports the problem
            log.warning("the screener could not be opened at startup", exc_info=True)
            return
        _settle_heap()


def _settle_heap() -> None:
    """Leave what is loaded by now (modules, the screener, country tables) out of the cycle
    collector's full passes: a worker holds some 30,000 such objects, and scanning them
    took about 10 ms every second under load, a pause every waiting request shared."""
    gc.collect()
    gc.freeze()


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


def hit_sources(hit: Hit) -> list[str]:
    return sorted({d["source"] for d in hit.designations if d.get("source")})


def keep_hit(hit: Hit, sources: set[str] | None) -> Hit | None:
    """The hit with only the designations of `sources` (None: all), or None if none is left."""
    if not sources:
        return hit
    kept = [d for d in hit.designations if d.get("source") in sources]
    if not kept:
        return None
    return Hit(**{**{f: getattr(hit, f) for f in hit.__dataclass_fields__}, "designations": kept})


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
    }


def audit_hit(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in ("id", "caption", "schema", "score", "match", "datasets")}


if __name__ == "__main__":  # `ensure_index` runs this in a child process
    from watchlist.index.build import build_missing_index

    if build_missing_index(Store(), _print_progress):
        _print_progress("built", 1, 1)
