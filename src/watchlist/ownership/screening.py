"""Screening against what ownership makes blocked: a query matching a party that is not
listed but owned or controlled by listed parties is a hit on the basis of ownership, with
the finding (share, rule, every path) and its explanation in words.

Candidates are the derived parties sharing a name word with the query; each is scored by
the screener's own algorithm (a function given in), so a misspelling matches as it would
on a listed name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from watchlist.names.normalize import name_tokens
from watchlist.ownership.view import OwnershipView

#: Candidates scored per query at most (the parties sharing the most words first).
MAX_CANDIDATES = 50
#: (query, candidate name) -> (score, matched at the threshold).
Scorer = Callable[[Mapping[str, Any], str], tuple[float, bool]]


def _names(query: Mapping[str, Any]) -> list[str]:
    value = query.get("name")
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if v]


def candidates(view: OwnershipView, names: Iterable[str]) -> list[str]:
    """Ids of derived parties sharing a name word with the query, most words shared first."""
    index = view.token_index()
    counts: dict[int, int] = {}
    for name in names:
        for token in set(name_tokens(name)):
            for node in index.get(token, ()):
                counts[node] = counts.get(node, 0) + 1
    ranked = sorted(counts, key=lambda n: (-counts[n], n))[:MAX_CANDIDATES]
    return [view.graph.ids[n] for n in ranked]


def ownership_matches(view: OwnershipView, query: Mapping[str, Any], score: Scorer,
                      exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The hits of a query on parties blocked by ownership or control, best first: each
    `{"basis": "ownership", "entity_id", "caption", "score", "ownership": {...}}`."""
    names = _names(query)
    skip = set(exclude)
    ids = {i for i in (query.get("identifier") or []) if isinstance(i, str)} \
        if not isinstance(query.get("identifier"), str) else {query["identifier"]}
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    direct = [p for p in ids if p in view.graph.number]
    for party in direct + candidates(view, names):
        if party in seen or party in skip:
            continue
        seen.add(party)
        caption = view.graph.name_of(view.graph.number[party])
        if party in direct:
            value, matched = 1.0, True
        else:
            value, matched = score(query, caption)
        if not matched:
            continue
        findings = view.findings(party)
        if not findings:
            continue
        best = findings[0]
        ownership = best.to_dict()
        ownership["other_rules"] = [f.rule for f in findings[1:]]
        found.append({"basis": "ownership", "entity_id": party, "caption": caption,
                      "schema": "LegalEntity", "score": round(value, 4), "match": True,
                      "designations": [], "explanation": {}, "ownership": ownership})
    found.sort(key=lambda m: (-m["score"], m["entity_id"]))
    return found


def scorer_of(screener: Any) -> Scorer:
    """The screener's algorithm as a Scorer (the query against a name alone)."""
    def score(query: Mapping[str, Any], name: str) -> tuple[float, bool]:
        result = screener.score(dict(query), {"name": name})
        return result.score, result.match

    return score


def with_ownership(store: Any, screener: Any, query: Mapping[str, Any],
                   matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listed matches followed by the query's ownership matches (a party already matched
    as listed is not repeated)."""
    from watchlist.ownership.view import current_view

    view = current_view(store)
    listed = {m.get("entity_id") for m in matches}
    return matches + ownership_matches(view, query, scorer_of(screener), exclude=listed)
