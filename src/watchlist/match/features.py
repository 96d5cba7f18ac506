"""Matching features: each a small pure function; its docstring is its explanation.

A feature takes the query party, the candidate party and the comparison context, and
returns a `FeatureResult`: a score in [0, 1] (how strongly the feature holds), a detail
line, and the values it compared. The algorithm (`watchlist.match.model`) weights them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from watchlist.match.names import (
    DEFAULT_CONFIG,
    NameConfig,
    NameMatch,
    Sims,
    best_name_match,
    numbers_differ,
)
from watchlist.match.prepare import (
    ANY,
    DEFAULT_STATS,
    ORG,
    NameForm,
    Party,
    TokenStats,
    compatible,
    kind_of,
)

__all__ = [
    "Context",
    "FeatureFunc",
    "FeatureResult",
    "birth_date_match",
    "birth_date_mismatch",
    "country_match",
    "country_mismatch",
    "identifier_match",
    "identifier_mismatch",
    "kind_mismatch",
    "legal_form_mismatch",
    "name_match",
    "numbers_mismatch",
    "pair_kind",
]


@dataclass(slots=True)
class FeatureResult:
    """What one feature found: score in [0, 1], a detail line, the values compared."""

    score: float
    detail: str
    query: Any = None
    candidate: Any = None


@dataclass
class Context:
    """Shared state of one comparison: the kind of names compared, the weights, the best
    name match once computed, and (for index candidates) pre-selected name forms."""

    kind: str
    stats: TokenStats = DEFAULT_STATS
    config: NameConfig = DEFAULT_CONFIG
    candidate_forms: list[NameForm] | None = None
    name: NameMatch | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Token similarities remembered across comparisons (a screener's); None: this pair's.
    sims: Sims | None = None


FeatureFunc = Callable[[Party, Party, Context], FeatureResult]
NOTHING = FeatureResult(0.0, "nothing to compare")


def pair_kind(query: Party, candidate: Party) -> str:
    """The kind the names of this pair are read as: the candidate's, else the query's."""
    kind = kind_of(candidate.schema)
    return kind_of(query.schema) if kind == ANY else kind


def _name(query: Party, candidate: Party, ctx: Context) -> NameMatch:
    if ctx.name is None:
        forms_c = ctx.candidate_forms
        if forms_c is None:
            forms_c = candidate.forms(ctx.kind, ctx.stats)
        forms_q = query.forms(ctx.kind, ctx.stats)
        ctx.name = best_name_match(forms_q, forms_c, ctx.kind, ctx.config, ctx.sims)
    return ctx.name


def name_match(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """How alike the names are: the best alignment of any name of the query with any name
    of the candidate, across scripts and spellings. Rare name parts weigh more than common
    ones; a part only one side has counts a little against, a part both sides have but
    disagree on counts a lot against."""
    result = _name(query, candidate, ctx)
    if result.query is None or result.candidate is None:
        return FeatureResult(0.0, "no name to compare")
    return FeatureResult(result.score, result.describe(), result.query.original,
                         result.candidate.original)


def numbers_mismatch(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """The numbers in the matched names disagree: a different series, fund, vessel or
    year ("Trust 2004-1" vs "Trust 2004-2": 1.0), or only one name has a number (0.5)."""
    result = _name(query, candidate, ctx)
    if result.query is None or result.candidate is None:
        return NOTHING
    score = numbers_differ(result)
    if not result.numbers_query and not result.numbers_candidate:
        return NOTHING
    q, c = " ".join(result.numbers_query), " ".join(result.numbers_candidate)
    text = "numbers agree" if score == 0 else f"numbers differ: {q or '-'} / {c or '-'}"
    return FeatureResult(score, text, q, c)


def identifier_match(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """The same identifier on both sides (passport, national ID, registration, tax, IMO,
    LEI, SWIFT/BIC, INN, OGRN numbers): decisive evidence of the same party."""
    q, c = query.identifier_values, candidate.identifier_values
    if not q or not c:
        return NOTHING
    common = q & c
    if common:
        value = sorted(common)[0]
        return FeatureResult(1.0, f"same identifier {value}", value, value)
    return FeatureResult(0.0, "no identifier in common", sorted(q), sorted(c))


def _shape(value: str) -> str:
    return "".join("9" if ch.isdigit() else "A" for ch in value)


def identifier_mismatch(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """Both sides carry an identifier of the same kind and none agree: evidence against
    (a query identifier of unknown kind counts in full only against one of the same form)."""
    q, c = query.identifier_values, candidate.identifier_values
    if not q or not c or q & c:
        return NOTHING
    typed = set(query.identifiers) & set(candidate.identifiers)
    typed.discard("identifier")
    if typed:
        prop = sorted(typed)[0]
        return FeatureResult(1.0, f"different {prop}", sorted(query.identifiers[prop]),
                             sorted(candidate.identifiers[prop]))
    shapes = {_shape(v) for v in c}
    same_form = [v for v in q if _shape(v) in shapes]
    if same_form:
        return FeatureResult(1.0, "different identifier of the same form", sorted(q), sorted(c))
    return FeatureResult(0.3, "different identifiers (kinds unknown)", sorted(q), sorted(c))


def _date_relation(query: tuple[str, ...], candidate: tuple[str, ...]) -> tuple[str, str, str]:
    """The most favourable relation between any two dates, and the two dates."""
    order = {"day": 5, "month": 4, "year": 3, "same_year": 2, "near": 1, "far": 0}
    best = ("far", query[0], candidate[0])
    for a in query:
        for b in candidate:
            if a == b:
                rel = "day" if len(a) >= 10 else ("month" if len(a) >= 7 else "year")
            elif a.startswith(b) or b.startswith(a):
                rel = "month" if min(len(a), len(b)) >= 7 else "year"
            elif a[:4] == b[:4]:
                rel = "same_year"
            else:
                try:
                    gap = abs(int(a[:4]) - int(b[:4]))
                except ValueError:
                    continue
                rel = "near" if gap <= 2 else "far"
            if order[rel] > order[best[0]]:
                best = (rel, a, b)
    return best


def birth_date_match(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """The birth dates agree: the same day (1.0), the same month (0.6), or the same year
    where one side gives only the year (0.3)."""
    if not query.dates or not candidate.dates:
        return NOTHING
    rel, a, b = _date_relation(query.dates, candidate.dates)
    score = {"day": 1.0, "month": 0.6, "year": 0.3}.get(rel, 0.0)
    text = {"day": "same birth date", "month": "same birth month",
            "year": "same birth year"}.get(rel, "birth dates differ")
    return FeatureResult(score, text, a, b)


def birth_date_mismatch(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """The birth dates disagree: clearly different (more than two years apart, 1.0),
    within two years (0.4), or the same year but a different day (0.3)."""
    if not query.dates or not candidate.dates:
        return NOTHING
    rel, a, b = _date_relation(query.dates, candidate.dates)
    score = {"far": 1.0, "near": 0.4, "same_year": 0.3}.get(rel, 0.0)
    text = {"far": "birth dates more than two years apart",
            "near": "birth dates within two years",
            "same_year": "same birth year, different day"}.get(rel, "birth dates agree")
    return FeatureResult(score, text, a, b)


def country_match(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """A country (nationality, citizenship, residence, jurisdiction, flag) in common."""
    if not query.countries or not candidate.countries:
        return NOTHING
    common = query.countries & candidate.countries
    if common:
        value = sorted(common)[0]
        return FeatureResult(1.0, f"country {value} in common", value, value)
    return FeatureResult(0.0, "no country in common", sorted(query.countries),
                         sorted(candidate.countries))


def country_mismatch(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """Both sides name countries and none is in common: evidence against."""
    if not query.countries or not candidate.countries:
        return NOTHING
    if query.countries & candidate.countries:
        return FeatureResult(0.0, "a country in common")
    return FeatureResult(1.0, "no country in common", sorted(query.countries),
                         sorted(candidate.countries))


#: Legal forms by family; forms of different families describe different companies.
LEGAL_FAMILIES = {
    "stock": {"jsc", "ojsc", "cjsc", "pjsc", "prjsc", "ag", "sa", "plc", "nv", "as", "ab",
              "oy", "kk", "pt", "bhd", "spa"},
    "limited": {"llc", "ltd", "gmbh", "bv", "srl", "sarl", "spzoo", "sro", "doo", "kft",
                "wll", "fzco", "fze", "llp"},
    "partnership": {"lp", "kg"},
    "state": {"fgup"},
    "individual": {"ip"},
}
_FAMILY = {form: family for family, forms in LEGAL_FAMILIES.items() for form in forms}


def legal_form_mismatch(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """The matched organisation names carry legal forms of different families (a stock
    company "AG" and a limited company "GmbH"): evidence of different companies."""
    if ctx.kind not in (ORG, ANY):
        return NOTHING
    result = _name(query, candidate, ctx)
    if result.query is None or result.candidate is None:
        return NOTHING
    qf = {_FAMILY[f] for f in result.query.legal if f in _FAMILY}
    cf = {_FAMILY[f] for f in result.candidate.legal if f in _FAMILY}
    if not qf or not cf or qf & cf:
        return NOTHING
    return FeatureResult(1.0, "legal forms of different kinds",
                         " ".join(result.query.legal), " ".join(result.candidate.legal))


def kind_mismatch(query: Party, candidate: Party, ctx: Context) -> FeatureResult:
    """The parties are of kinds that are never the same party (a person and a vessel, a
    company and a person)."""
    if compatible(query.schema, candidate.schema):
        return NOTHING
    return FeatureResult(1.0, "incompatible kinds of party", query.schema, candidate.schema)
