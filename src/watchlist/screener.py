"""Screening: given a name and whatever else is known, every designated party it could be.

```python
from watchlist.screener import Screener

screener = Screener.open()                      # the current store; index built or loaded
hits = screener.check({"name": "Aleksandr Lukashenko", "birth_date": "1954-08-30"})
for hit in hits:
    print(hit.score, hit.caption, [d["source"] for d in hit.designations])
for record in screener.screen(rows):            # rows: dicts with id, name, schema, ...
    ...
result = screener.score(entity_a, entity_b)     # one pair of FtM entities: .score, .match
```

A query is a dict (or `Query`) with `name` (a string or a list of names), and optionally
`schema` (Person, Organization, Company, LegalEntity, Vessel, Airplane; none or Thing
matches any kind), `birth_date` (ISO, or day-first dates; a list or a range of years),
`country` (a name or ISO code), `identifier` (any number: passport, registration, IMO...).

Each hit is one profile: every list record of the same party (linked by
`watchlist.profiles.linking`), with the designations of all of them, the score of the best-matching
record and the explanation of that score, feature by feature.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from followthemoney import EntityProxy, model

from watchlist.errors import WatchlistError
from watchlist.index.build import Index, open_index
from watchlist.index.search import CandidateSearch
from watchlist.match.features import Context, _name, pair_kind
from watchlist.match.model import (
    DEFAULT_THRESHOLD,
    EXACT_NAME_RANK,
    MatchResult,
    WatchlistV1,
)
from watchlist.match.names import DEFAULT_CONFIG, Sims
from watchlist.match.prepare import Party, compatible, kind_of
from watchlist.match.symbols import set_runtime
from watchlist.metrics import HITS, SCREENED

if TYPE_CHECKING:
    from watchlist.ownership.screening import OwnershipSource

__all__ = ["Hit", "Query", "QueryError", "Screener"]

#: Schemata a query may name (case-insensitive), and what they mean.
QUERY_SCHEMATA = {
    "person": "Person", "organization": "Organization", "organisation": "Organization",
    "company": "Company", "legalentity": "LegalEntity", "vessel": "Vessel",
    "airplane": "Airplane", "aircraft": "Airplane", "publicbody": "PublicBody",
    "thing": None, "any": None, "": None,
}

#: Features comparing facts, with the fact each compares (named by record in explanations).
FACT_FEATURES = {"birth_date_match": "dates", "birth_date_mismatch": "dates",
                 "country_match": "countries", "country_mismatch": "countries",
                 "identifier_match": "identifiers", "identifier_mismatch": "identifiers"}

#: Candidate retrieval: entities scored at most, forms kept per entity.
MAX_CANDIDATES = 30
FORMS_PER_ENTITY = 2
#: A name score this far below the threshold cannot be lifted over it by the qualifiers
#: (same birth date 0.1, a country in common 0.05).
MAX_LIFT = 0.15


class QueryError(WatchlistError):
    """A query that cannot be screened (no name, unreadable date, unknown country...)."""


@dataclass
class Query:
    """What is known of the party to screen."""

    name: str | list[str]
    schema: str | None = None
    birth_date: str | list[str] | None = None
    country: str | list[str] | None = None
    identifier: str | list[str] | None = None
    id: Any = None


@dataclass
class Hit:
    """One profile a query matched: its records, designations, score and explanation."""

    entity_id: str
    profile_id: str
    entity_ids: list[str]
    caption: str
    schema: str
    score: float
    designations: list[dict[str, Any]]
    explanation: dict[str, dict[str, Any]]
    matched_entity_id: str
    match: bool = True
    result: MatchResult | None = field(default=None, repr=False, compare=False)
    #: "listed", or "ownership" for a party owned or controlled by listed ones.
    basis: str = "listed"
    #: For an ownership hit: share, rule, status, paths and the explanation in words.
    ownership: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        found = {
            "basis": self.basis,
            "entity_id": self.entity_id,
            "profile_id": self.profile_id,
            "entity_ids": list(self.entity_ids),
            "caption": self.caption,
            "schema": self.schema,
            "score": round(self.score, 4),
            "match": self.match,
            "matched_entity_id": self.matched_entity_id,
            "designations": [dict(d) for d in self.designations],
            "explanation": self.explanation,
        }
        if self.ownership is not None:
            found["ownership"] = self.ownership
        return found


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _as_mapping(query: Any) -> Mapping[str, Any]:
    if isinstance(query, Mapping):
        return query
    if is_dataclass(query) and not isinstance(query, type):
        return asdict(query)
    if isinstance(query, str):
        return {"name": query}
    raise QueryError(f"a query is a dict or a Query, not {type(query).__name__}")


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    from followthemoney.types import registry

    return frozenset(registry.country.names)


def _count(hits: list[Any]) -> None:
    """Count one screened query and its hits in the service's metrics."""
    SCREENED.inc()
    if hits:
        HITS.inc(len(hits))


@lru_cache(maxsize=64)
def _natural_person(schema: str | None) -> bool:
    """True for a query typed as a person. Ownership and control block entities (OFAC's 50%
    rule, the UK's and the EU's owned-or-controlled tests), never a natural person, so such
    a query has no hit on that basis and skips those comparisons."""
    found = model.get(schema) if schema else None
    return found is not None and found.is_a("Person")


def parse_query(query: Any) -> Party:
    """A query (dict, Query or plain name) as a party; raises QueryError when unusable."""
    from watchlist.normalize.countries import country_code
    from watchlist.normalize.dates import DateError, parse_birth_date

    data = _as_mapping(query)
    names = _values(data.get("name"))
    if not names:
        raise QueryError("no name")
    schema_text = (data.get("schema") or "").strip() if isinstance(data.get("schema"),
                                                                    str) else ""
    key = schema_text.lower().replace(" ", "").replace("_", "")
    if key not in QUERY_SCHEMATA:
        raise QueryError(f"unknown schema {schema_text!r} (e.g. Person, Organization, "
                         "Company, LegalEntity, Vessel, Airplane)")
    schema = QUERY_SCHEMATA[key]
    dates: list[str] = []
    for text in _values(data.get("birth_date")):
        try:
            parsed = parse_birth_date(text, strict=True)
        except DateError as exc:
            raise QueryError(f"impossible birth date {text!r}: {exc}") from None
        if parsed is None or not parsed.values:
            raise QueryError(f"unreadable birth date {text!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")
        dates.extend(parsed.values)
    countries: list[str] = []
    for text in _values(data.get("country")):
        code = text.strip().lower()
        if code not in _country_codes():  # names need the (slow to load) territory table
            code = country_code(text)
        if code is not None:  # an unknown country is no evidence, not an error
            countries.append(code)
    return Party.from_query(names, schema=schema, birth_date=dates, country=countries,
                            identifier=_values(data.get("identifier")), id=data.get("id"))


def _entity_party(value: Any) -> Party:
    if isinstance(value, Party):
        return value
    if isinstance(value, EntityProxy):
        return Party.from_entity(value)
    if isinstance(value, Mapping) and "schema" in value and "properties" in value:
        return Party.from_entity(model.get_proxy(dict(value)))
    return parse_query(value)


class Screener:
    """Screens names against every current list, one profile per real party."""

    def __init__(self, index: Index, threshold: float | None = None) -> None:
        self.index = index
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.algorithm = WatchlistV1
        self.config = DEFAULT_CONFIG
        self.sims = Sims(self.config)
        self.search = CandidateSearch(index, self.sims)
        #: The parties owned or controlled by listed ones (`Screener.open` sets it).
        self.ownership: OwnershipSource | None = None
        self._owned: dict[str, Party] = {}
        set_runtime(False)

    @classmethod
    def open(cls, store: Any = None, threshold: float | None = None,
             rebuild: bool = False) -> Screener:
        """The screener of a store (a Store, a database URL, or None for the default store
        at $WATCHLIST_HOME): its persisted index is loaded, or built and saved when the
        serving versions (or the matching code) changed."""
        if store is None or isinstance(store, str):
            from watchlist.store.store import Store

            store = Store(store)
        from watchlist.ownership.screening import OwnershipSource

        screener = cls(open_index(store, rebuild=rebuild), threshold)
        screener.ownership = OwnershipSource(store)
        return screener

    @classmethod
    def from_artifact(cls, path: Any, threshold: float | None = None) -> Screener:
        """The screener of an exported index artifact (`watchlist index export`; a local
        path or a URL), verified against its checksum; no store needed."""
        from watchlist.index.artifact import load_artifact

        index, _manifest = load_artifact(path)
        return cls(index, threshold)

    # -- one pair ------------------------------------------------------------------------

    def score(self, query: Any, candidate: Any, threshold: float | None = None) -> MatchResult:
        """Score one pair (FtM entities, their dicts, or queries): `.score`, `.match` at the
        threshold, `.explanation` feature by feature."""
        left, right = _entity_party(query), _entity_party(candidate)
        return self.algorithm.compare(left, right, stats=self.index.stats, config=self.config,
                                      threshold=self.threshold if threshold is None
                                      else threshold)

    # -- screening -----------------------------------------------------------------------

    def check(self, query: Any, threshold: float | None = None) -> list[Hit]:
        """Every profile the query matches at the threshold, best first: by the unclipped
        evidence and an exact name (`MatchResult.rank`; on a tie, more records first)."""
        party = parse_query(query)
        hits = self._check(party, self.threshold if threshold is None else threshold)
        _count(hits)
        return hits

    def _check(self, party: Party, threshold: float) -> list[Hit]:
        index = self.index
        kind = kind_of(party.schema)
        forms = party.forms(kind, index.stats)
        extra: set[int] = set()
        for value in party.identifier_values:
            extra.update(index.identifiers.get(value, ()))
        candidates = self.search.search(forms, max(0.0, threshold - MAX_LIFT),
                                        MAX_CANDIDATES, FORMS_PER_ENTITY, extra)
        best: dict[int, tuple[float, int, MatchResult]] = {}
        profile_of = index.profile_of
        facts: dict[int, Party] = {}
        for e, _pre, form_ids in candidates:
            target = index.parties[e]
            if not compatible(party.schema, target.schema):
                continue
            pid = int(profile_of[e])
            found = best.get(pid)
            ctx = Context(pair_kind(party, target), index.stats, self.config,
                          [index.forms[f] for f in form_ids] if form_ids else None,
                          sims=self.sims)
            if e not in extra:
                bound = _name(party, target, ctx).score + MAX_LIFT
                if bound < threshold or (found is not None
                                         and bound + EXACT_NAME_RANK <= found[0]):
                    continue
            if e not in facts:
                facts[e] = self.with_profile_facts(e)
            result = self.algorithm.compare(party, facts[e], stats=index.stats,
                                            config=self.config, threshold=threshold,
                                            context=ctx)
            if result.match and (found is None or result.rank > found[0]):
                best[pid] = (result.rank, e, result)
        hits = [(rank, self._hit(pid, e, result)) for pid, (rank, e, result) in best.items()]
        hits.sort(key=lambda h: (-round(h[0], 6), -len(h[1].entity_ids), h[1].entity_id))
        ranked = [hit for _rank, hit in hits]
        return ranked + self._ownership_hits(party, threshold, ranked)

    def ownership_hits(self, query: Any, listed: Iterable[Hit] = (),
                       threshold: float | None = None) -> list[Hit]:
        """The query's hits on parties not listed but owned or controlled by listed ones
        alone (those of `listed` left out): what monitoring re-checks on every run, since a
        designation, a delisting or a share changes them without any list entry of theirs
        changing."""
        return self._ownership_hits(parse_query(query),
                                    self.threshold if threshold is None else threshold,
                                    list(listed))

    def _ownership_hits(self, party: Party, threshold: float, listed: list[Hit]) -> list[Hit]:
        """Hits on parties not listed but owned or controlled by listed ones."""
        if _natural_person(party.schema):
            return []
        view = self.ownership.get() if self.ownership is not None else None
        if view is None:
            return []
        from watchlist.ownership.screening import ownership_matches

        def score(name: str) -> tuple[float, bool]:
            owned = self._owned_party(name)
            ctx = Context(pair_kind(party, owned), self.index.stats, self.config,
                          sims=self.sims)
            result = self.algorithm.compare(party, owned, stats=self.index.stats,
                                            config=self.config, threshold=threshold,
                                            context=ctx)
            return result.score, result.match

        known = {e for hit in listed for e in hit.entity_ids}
        return [Hit(m.party, m.party, [m.party], m.caption, "LegalEntity", m.score, [], {},
                    m.party, True, basis="ownership", ownership=m.ownership())
                for m in ownership_matches(view, [n for n, _weak in party.names],
                                           party.identifier_values, score, exclude=known)]

    def _owned_party(self, name: str) -> Party:
        """The party of an owned party's name, its name forms prepared once (remembered)."""
        found = self._owned.get(name)
        if found is None:
            if len(self._owned) >= 100_000:
                self._owned.clear()
            found = self._owned[name] = Party.from_query([name])
        return found

    def with_profile_facts(self, e: int) -> Party:
        """A record with the facts (birth dates, countries, identifiers, gender) of every
        record of its profile, its own first: what the fact features compare."""
        index = self.index
        target = index.parties[e]
        members = index.profiles[int(index.profile_of[e])]
        if len(members) < 2:
            return target
        others = [index.parties[m] for m in members if m != e]
        dates = list(target.dates)
        dates.extend(d for p in others for d in p.dates if d not in dates)
        identifiers = {k: set(v) for k, v in target.identifiers.items()}
        for p in others:
            for kind, values in p.identifiers.items():
                identifiers.setdefault(kind, set()).update(values)
        return replace(target, dates=tuple(dates),
                       countries=frozenset(target.countries.union(*(p.countries
                                                                    for p in others))),
                       identifiers={k: frozenset(v) for k, v in identifiers.items()},
                       gender=target.gender or next((p.gender for p in others if p.gender),
                                                    None),
                       _forms=target._forms)

    def _suppliers(self, members: tuple[int, ...], explanation: dict[str, dict[str, Any]]
                   ) -> dict[str, dict[str, Any]]:
        """The explanation with `by` on each fact feature: the records of the profile that
        state the listed value compared."""
        index = self.index
        out = {}
        for name, entry in explanation.items():
            fact = FACT_FEATURES.get(name)
            wanted = entry.get("candidate")
            if fact is None or not wanted:
                out[name] = entry
                continue
            values = {wanted} if isinstance(wanted, str) else set(map(str, wanted))
            by = []
            for m in members:
                party = index.parties[m]
                held = (party.identifier_values if fact == "identifiers"
                        else set(getattr(party, fact)))
                if values & set(held):
                    by.append(party.id or "")
            out[name] = {**entry, "by": by}
        return out

    def _hit(self, pid: int, e: int, result: MatchResult) -> Hit:
        index = self.index
        members = index.profiles[pid]
        lead = index.parties[index.profile_lead[pid]]
        designations = []
        for m in members:
            for d in index.designations[m]:
                designations.append({k: d.get(k) for k in
                                     ("source", "ref", "regime", "listed", "entity_id",
                                      "authority")})
        return Hit(
            entity_id=lead.id or "", profile_id=index.profile_ids[pid],
            entity_ids=[index.parties[m].id or "" for m in members],
            caption=lead.caption or "", schema=lead.schema or "", score=result.score,
            designations=designations,
            explanation=(self._suppliers(members, result.explanation) if len(members) > 1
                         else result.explanation),
            matched_entity_id=index.parties[e].id or "", match=result.match, result=result,
        )

    def screen(self, rows: Iterable[Mapping[str, Any]], threshold: float | None = None
               ) -> Iterator[dict[str, Any]]:
        """One record per row ({"id", "matches"}, or {"id", "error", "matches": []} for a row
        that cannot be screened); a bad row never stops the run."""
        limit = self.threshold if threshold is None else threshold
        for row in rows:
            row_id = row.get("id") if isinstance(row, Mapping) else getattr(row, "id", None)
            try:
                party = parse_query(row)
                hits = self._check(party, limit)
            except QueryError as exc:
                yield {"id": row_id, "error": str(exc), "matches": []}
                continue
            _count(hits)
            yield {"id": row_id, "matches": [hit.to_dict() for hit in hits]}

    # -- information ---------------------------------------------------------------------

    def profile(self, entity_id: str) -> dict[str, Any]:
        """The profile of a list record: its linked records, designations and link evidence."""
        index = self.index
        e = index.by_id.get(entity_id)
        if e is None:
            raise QueryError(f"no record {entity_id!r} in the current lists")
        pid = int(index.profile_of[e])
        pid_text = index.profile_ids[pid]
        return {
            "profile_id": pid_text,
            "entity_id": index.parties[index.profile_lead[pid]].id,
            "entity_ids": [index.parties[m].id for m in index.profiles[pid]],
            "designations": [d for m in index.profiles[pid] for d in index.designations[m]],
            "links": [link for link in index.links if link.get("profile_id") == pid_text],
        }

    def info(self) -> dict[str, Any]:
        return {**self.index.summary(), "threshold": self.threshold,
                "algorithm": self.algorithm.NAME, "features": self.algorithm.describe(),
                "versions": self.index.versions}
