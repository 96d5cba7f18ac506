"""One profile per real party: link the records of the lists that describe the same party.

The same person is designated by several publishers under different spellings (OFAC
"LUKASHENKA, Alyaksandr Ryhorovich", OFSI "LUKASHENKA Aleksandr Grigorievich", SEMA
"Lukashenko, Aleksandr Grigoryevich"); the FCDO list even has one record per designation.
Records are linked when there is evidence beyond the name:

* ``identifier``: the same passport, national ID, registration, IMO, LEI, SWIFT/BIC... number,
  or the same UN reference on designations implementing a UN listing (a value shared by
  more than a handful of records is boilerplate and ignored), and names that agree at
  least weakly (score >= 0.5);
* ``name+birth_date``: people whose names match well (>= 0.8) born on the same day;
* ``name+listing_date``: records of different lists whose main names (not aliases, which
  related parties listed together often share) match almost exactly (>= 0.95), designated
  on the same day (a list implementing a UN listing, say);
* ``name+birth_year``: people with the same birth year where at least one side gives only
  the year, whose names match very well (>= 0.9) with a nationality in common, or almost
  exactly (>= 0.95) with no nationality against;
* ``name+country``: organisations, vessels and aircraft whose names match almost exactly
  (>= 0.95, main names, at least one distinctive word, the same numbers) with a country in
  common and no conflicting identifier of the same kind; not within one list (a publisher
  does not list one organisation twice), except FCDO's.
* ``name+regime``: organisations, vessels and aircraft of different lists whose main names
  match almost exactly (>= 0.95) and are distinctive (held by one record of each list, with
  a rare word: `evidence.distinctive`), designated under regimes about a country in common
  (`programmes`: OFAC BELARUS-EO14038, SEMA "(Belarus)", UK "Belarus") or with a stated
  country in common with the other's regime, no stated countries against, no conflicting
  identifier of one kind;
* ``name+nationality``: people of different lists, at least one without a birth date,
  whose full main names (three parts or more besides particles such as "al", as many on
  each side: with the patronymic) match almost exactly (>= 0.95), every word spelled
  alike (`evidence.spelled_alike`: "Jong Un" and "Tong-Un" are not), and are distinctive, with
  a nationality or regime country in common, and nothing against: no stated nationality
  the other record neither states nor is listed over, no identifiers of one kind differing.

A name alone never links. Links are applied strongest first, and two groups are never
merged when any two of their records conflict: kinds that cannot be the same party, birth
dates more than two years apart, different genders, or (unless they share an identifier)
organisations one of which is the other's branch or subsidiary by name ("Gazprombank" and
"Gazprombank Leasing": `conflicts`). Over-merging is worse than
under-merging: a missed link gives two alerts, a wrong one hides a party behind another.

Every link keeps its evidence (rule, name score and the names compared, the shared date,
identifier or country); the profiles and links are persisted with the index.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from watchlist.match.features import _date_relation
from watchlist.match.names import Sims, best_name_match, numbers_differ
from watchlist.match.prepare import (
    ANY,
    PARTICLES,
    PERSON,
    NameForm,
    Party,
    compatible,
    kind_of,
)
from watchlist.profiles.conflicts import name_hierarchy
from watchlist.profiles.evidence import (
    PairContext,
    distinctive,
    identifiers_differ,
    main_match,
    name_holders,
    spelled_alike,
)
from watchlist.profiles.programmes import regime_countries
from watchlist.progress import Stage

__all__ = ["SOURCE_PRIORITY", "Link", "link_profiles", "pair_evidence"]

#: Which record leads a profile: the first source in this order, then the smallest id.
SOURCE_PRIORITY = (
    "un_sc_sanctions", "us_ofac_sdn", "us_ofac_cons", "eu_fsf", "gb_hmt_sanctions",
    "gb_fcdo_sanctions", "ch_seco_sanctions", "ca_dfatd_sema_sanctions", "au_dfat_sanctions",
)

#: Sources with one record per designation: the same party may appear more than once.
PER_DESIGNATION_SOURCES = frozenset({"gb_fcdo_sanctions"})

LINK_NAME_DATE = 0.8
LINK_NAME_YEAR = 0.9
LINK_NAME_ORG = 0.95
LINK_NAME_ID = 0.5
LINK_NAME_LISTED = 0.95
LINK_NAME_REGIME = 0.95
LINK_NAME_NATIONALITY = 0.95
#: A person's full name without a birth date: at least this many parts (with a patronymic).
FULL_NAME_PARTS = 3
#: An identifier value on more records than this is boilerplate, not an identifier.
MAX_ID_SHARE = 6
#: Birth-date and token blocks larger than this are skipped (too common to be evidence).
MAX_BLOCK = 60

#: Date relations (see `match.features`) that count as agreeing birth dates.
DATES_AGREE = frozenset({"day", "month", "year"})

RULE_ORDER = {"identifier": 0, "name+birth_date": 1, "name+listing_date": 2,
              "name+birth_year": 3, "name+country": 4, "name+regime": 5,
              "name+nationality": 6}


@dataclass
class Link:
    """Two records judged the same party, and why."""

    a: int
    b: int
    rule: str
    evidence: dict[str, Any]


def _strong_forms(party: Party, kind: str, stats: Any, primary: bool = False
                  ) -> list[NameForm]:
    forms = party.primary_forms(kind, stats) if primary else party.forms(kind, stats)
    return [f for f in forms if not f.weak][:40]


def _name_score(a: Party, b: Party, kind: str, stats: Any, primary: bool = False,
                sims: Sims | None = None) -> tuple[float, str, str]:
    """The best name score of two records (of their main names only, with `primary`);
    names whose numbers differ ("99th Division", "77th Division") do not agree at all."""
    result = best_name_match(_strong_forms(a, kind, stats, primary),
                             _strong_forms(b, kind, stats, primary), kind, sims=sims)
    if result.query is None or result.candidate is None:
        return 0.0, "", ""
    score = result.score if numbers_differ(result) == 0 else 0.0
    return score, result.query.original, result.candidate.original


def _conflict(a: Party, b: Party) -> bool:
    """Hard evidence that two records are different parties: kinds that cannot be the same
    party, birth dates that agree on no date (at the precision both give), genders."""
    if not compatible(a.schema, b.schema):
        return True
    if a.dates and b.dates and _date_relation(a.dates, b.dates)[0] not in DATES_AGREE:
        return True
    return bool(a.gender and b.gender and a.gender != b.gender)


def _hierarchy_conflict(a: Party, b: Party, stats: Any) -> bool:
    """One organisation is the other's branch or subsidiary by name, and they share no
    identifier that would say otherwise."""
    if a.identifier_values & b.identifier_values:
        return False
    return name_hierarchy(a, b, stats) is not None


def pair_evidence(a: Party, b: Party, stats: Any, shared_id: str | None = None,
                  same_source: str | None = None, listed: str | None = None,
                  sims: Sims | None = None, context: PairContext | None = None
                  ) -> tuple[str, dict[str, Any]] | None:
    """The rule and evidence linking two records, or None when they must stay apart.

    `same_source` names the source when both records come from one list: a publisher does
    not list one organisation twice (FCDO excepted: one record per designation), so two of
    its records are linked by name and country only for FCDO. `sims` shares the token
    similarities already worked out when many pairs are compared; `context` gives the
    regime countries and how many records of each list hold a name."""
    if _conflict(a, b):
        return None
    if shared_id is None and _hierarchy_conflict(a, b, stats):
        return None
    kind = kind_of(a.schema)
    if kind == ANY:
        kind = kind_of(b.schema)
    rel = _date_relation(a.dates, b.dates) if a.dates and b.dates else None
    common_country = sorted(a.countries & b.countries)
    personal = kind == PERSON or (kind == ANY and bool(a.dates or b.dates))
    context = context or PairContext()
    widened = (a.countries | context.regimes[0]) & (b.countries | context.regimes[1])
    if shared_id is None and listed is None:  # what the rules need besides the name
        if personal and rel is None and widened and same_source is None:
            return _without_birth_date(a, b, stats, sims, context, widened)
        if personal and not (rel is not None and rel[0] in ("day", "month", "year")):
            return None
        if not personal and not widened:
            return None
        if not personal and same_source is not None and \
                same_source not in PER_DESIGNATION_SOURCES:
            return None
    score, name_a, name_b = _name_score(a, b, kind, stats, sims=sims)
    evidence: dict[str, Any] = {"name_score": round(score, 3), "names": [name_a, name_b]}
    if shared_id is not None and score >= LINK_NAME_ID:
        evidence["identifier"] = shared_id
        return "identifier", evidence
    if listed is not None and score >= LINK_NAME_LISTED and same_source is None:
        main, main_a, main_b = _name_score(a, b, kind, stats, primary=True, sims=sims)
        if main >= LINK_NAME_LISTED:  # related parties listed together share aliases
            evidence.update(name_score=round(main, 3), names=[main_a, main_b], listed=listed)
            return "name+listing_date", evidence
    if personal:
        if rel is None:
            if widened and same_source is None:
                return _without_birth_date(a, b, stats, sims, context, widened)
            return None
        if rel[0] == "day" and score >= LINK_NAME_DATE:
            evidence["birth_date"] = rel[1]
            return "name+birth_date", evidence
        country_conflict = bool(a.countries and b.countries and not common_country)
        if rel[0] in ("year", "month") and (
                (score >= LINK_NAME_YEAR and common_country)
                or (score >= LINK_NAME_LISTED and not country_conflict)):
            evidence["birth_date"] = [rel[1], rel[2]]
            if common_country:
                evidence["country"] = common_country[0]
            return "name+birth_year", evidence
        return None
    if same_source is not None and same_source not in PER_DESIGNATION_SOURCES:
        return None
    if score >= LINK_NAME_ORG and common_country:
        main, main_a, main_b = _name_score(a, b, kind, stats, primary=True, sims=sims)
        if main < LINK_NAME_ORG:  # related organisations share aliases and acronyms
            return None
        evidence.update(name_score=round(main, 3), names=[main_a, main_b])
        same_kind = set(a.identifiers) & set(b.identifiers)
        if any(not (a.identifiers[p] & b.identifiers[p]) for p in same_kind):
            return None
        evidence["country"] = common_country[0]
        return "name+country", evidence
    if same_source is None and widened:
        return _by_regime(a, b, kind, stats, sims, context, widened)
    return None


def _by_regime(a: Party, b: Party, kind: str, stats: Any, sims: Sims | None,
               context: PairContext, widened: frozenset[str]) -> tuple[str, dict[str, Any]] | None:
    """Organisations of different lists with distinctive, almost identical main names,
    designated over a country in common (`name+regime`)."""
    if a.countries and b.countries and not (a.countries & b.countries):
        return None
    if identifiers_differ(a, b):
        return None
    score, fa, fb = main_match(a, b, kind, stats, sims)
    if score < LINK_NAME_REGIME or fa is None or fb is None:
        return None
    if not (distinctive(fa, context.sources[0], context)
            and distinctive(fb, context.sources[1], context)):
        return None
    return "name+regime", {"name_score": round(score, 3), "names": [fa.original, fb.original],
                           "regime_country": sorted(widened)[0]}


def _without_birth_date(a: Party, b: Party, stats: Any, sims: Sims | None,
                        context: PairContext, widened: frozenset[str]
                        ) -> tuple[str, dict[str, Any]] | None:
    """People of different lists, one without a birth date, with the same distinctive full
    name and a nationality or regime country in common (`name+nationality`)."""
    ra, rb = context.regimes
    if (a.countries and not a.countries & (b.countries | rb)) or (
            b.countries and not b.countries & (a.countries | ra)):
        return None  # stated nationalities the other record neither states nor is listed over
    if identifiers_differ(a, b):
        return None
    score, fa, fb = main_match(a, b, PERSON, stats, sims)
    if score < LINK_NAME_NATIONALITY or fa is None or fb is None:
        return None
    parts = [t for t in fa.tokens if t not in PARTICLES]
    if len(parts) < FULL_NAME_PARTS or not spelled_alike(fa, fb):
        return None
    if not (distinctive(fa, context.sources[0], context)
            and distinctive(fb, context.sources[1], context)):
        return None
    common = sorted(a.countries & b.countries) or sorted(widened)
    return "name+nationality", {"name_score": round(score, 3),
                                "names": [fa.original, fb.original], "country": common[0]}


def _candidate_pairs(index: Any, regimes: list[frozenset[str]]
                     ) -> dict[tuple[int, int], str | None]:
    """Pairs of records worth comparing, with the identifier they share (if any)."""
    pairs: dict[tuple[int, int], str | None] = {}
    for value, members in index.identifiers.items():
        if 1 < len(set(members)) <= MAX_ID_SHARE and len(set(value)) > 1:
            for a, b in combinations(sorted(set(members)), 2):
                pairs[(a, b)] = value
    blocks: dict[Any, list[int]] = defaultdict(list)
    for e, party in enumerate(index.parties):
        kind = kind_of(party.schema)
        distinctive = {t for f in party.forms(kind, index.stats) if not f.weak
                       for t, w in zip(f.tokens, f.weights, strict=True) if w >= 0.6}
        for listed in _listed(index, e):
            for token in distinctive:
                blocks[("listed", listed, token)].append(e)
        if kind == PERSON and party.dates:
            for token in distinctive:  # a dated record meets an undated one of its country
                for country in party.countries | regimes[e]:
                    blocks[("undated", country, token)].append(e)
        if kind == PERSON or (kind == ANY and party.dates):
            for date in party.dates:
                if len(date) >= 10:
                    blocks[("day", date)].append(e)
                for token in distinctive:
                    blocks[("year", date[:4], token)].append(e)
        else:
            for country in party.countries | regimes[e]:
                for token in distinctive:
                    blocks[("org", country, token)].append(e)
        if kind == PERSON and not party.dates:
            for country in party.countries | regimes[e]:
                for token in distinctive:
                    blocks[("undated", country, token)].append(e)
    for members in blocks.values():
        unique = sorted(set(members))
        if 1 < len(unique) <= MAX_BLOCK:
            for a, b in combinations(unique, 2):
                pairs.setdefault((a, b), None)
    return pairs


def _listed(index: Any, e: int) -> set[str]:
    """The days the record's designations were listed."""
    return {d["listed"][:10] for d in index.designations[e]
            if d.get("listed") and len(d["listed"]) >= 10}


def _priority(index: Any, e: int) -> tuple[int, str]:
    source = index.sources[e]
    rank = SOURCE_PRIORITY.index(source) if source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)
    return rank, index.parties[e].id or ""


def link_profiles(index: Any, progress: Callable[[str, int, int], None] | None = None) -> None:
    """Link the records of the index into profiles (fills profile_of, profiles, links),
    telling `progress` how many candidate pairs were compared."""

    parties = index.parties
    links: list[Link] = []
    sims = Sims()
    regimes = [regime_countries(d.get("regime") for d in index.designations[e])
               for e in range(len(parties))]
    holders = name_holders(zip(index.sources, parties, strict=True),
                           lambda p: kind_of(p.schema), index.stats)
    pairs = _candidate_pairs(index, regimes)
    comparing = Stage(progress, "linking profiles", len(pairs))
    for (a, b), shared in comparing.over(pairs.items()):
        same = index.sources[a] if index.sources[a] == index.sources[b] else None
        common = sorted(_listed(index, a) & _listed(index, b))
        context = PairContext((regimes[a], regimes[b]), (index.sources[a], index.sources[b]),
                              holders)
        found = pair_evidence(parties[a], parties[b], index.stats, shared, same,
                              common[0] if common else None, sims, context)
        if found is not None:
            links.append(Link(a, b, found[0], found[1]))
    comparing.end()
    links.sort(key=lambda link: (RULE_ORDER[link.rule], -link.evidence["name_score"],
                                 link.a, link.b))

    parent = list(range(len(parties)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(parties))}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept: list[dict[str, Any]] = []
    for link in links:
        ra, rb = find(link.a), find(link.b)
        if ra == rb:
            kept.append(_link_record(index, link))
            continue
        if any(_conflict(parties[x], parties[y])
               or _hierarchy_conflict(parties[x], parties[y], index.stats)
               for x in members[ra] for y in members[rb]):
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra].extend(members.pop(rb))
        kept.append(_link_record(index, link))

    profile_of = np.zeros(len(parties), dtype=np.int32)
    profiles: list[tuple[int, ...]] = []
    leads: list[int] = []
    ids: list[str] = []
    for root in sorted(members, key=lambda r: min(_priority(index, e) for e in members[r])):
        group = tuple(sorted(members[root], key=lambda e: _priority(index, e)))
        pid = len(profiles)
        for e in group:
            profile_of[e] = pid
        profiles.append(group)
        leads.append(group[0])
        digest = hashlib.sha1("|".join(sorted(parties[e].id or "" for e in group)).encode())
        ids.append("wl-" + digest.hexdigest()[:16])
    index.profile_of = profile_of
    index.profiles = profiles
    index.profile_lead = leads
    index.profile_ids = ids
    for record in kept:
        record["profile_id"] = ids[profile_of[index.by_id[record["a"]]]]
    index.links = kept


def _link_record(index: Any, link: Link) -> dict[str, Any]:
    return {"a": index.parties[link.a].id, "b": index.parties[link.b].id,
            "sources": [index.sources[link.a], index.sources[link.b]],
            "rule": link.rule, **link.evidence}
