"""Names that tell two organisations apart although one contains the other.

"Gazprombank" and "Gazprombank Leasing" are a parent and its subsidiary, "Bank Melli Iran"
and "Bank Melli Iran, Hamburg Branch" a bank and its branch: different designations that
the name score alone may find close (the extra words are weak). Such records are kept
apart unless they share an identifier.
"""

from __future__ import annotations

from typing import Any

from watchlist.match.prepare import ORG, Party, kind_of
from watchlist.names.orgs import ORG_WEAK_WORDS

__all__ = ["BRANCH_WORDS", "SUBSIDIARY_WORDS", "name_hierarchy"]

#: Words naming a branch or office of an organisation (Latin renderings included).
BRANCH_WORDS = frozenset(
    "branch branches filial filiale filiala fililal office representative representation "
    "predstavitelstvo otdelenie division department subsidiary affiliate".split()
)

#: Words naming a line of business a subsidiary is set up for ("X Leasing", "X Invest").
SUBSIDIARY_WORDS = ORG_WEAK_WORDS - {"the", "and", "of", "for", "de", "la", "del", "des",
                                     "du", "di", "da", "el", "al", "co", "company", "companies",
                                     "bank", "banking", "national", "corporate", "firm"} | \
    frozenset("leasing lizing invest insurance strakhovanie upravlenie aktivami asset assets "
              "securities broker brokerage fund funds energy oil gas petroleum construction "
              "engineering stroi lines line marine tankers fleet flot tanker".split())


def _main_token_sets(party: Party, stats: Any) -> list[frozenset[str]]:
    return [frozenset(f.tokens) for f in party.primary_forms(ORG, stats) if not f.weak]


def name_hierarchy(a: Party, b: Party, stats: Any) -> str | None:
    """"branch" or "subsidiary" when one organisation's main name is the other's plus words
    naming a branch or a line of business, and no main names of the two are the same;
    else None."""
    if ORG not in (kind_of(a.schema), kind_of(b.schema)) and not (
            kind_of(a.schema) == kind_of(b.schema) == "any"):
        return None
    left, right = _main_token_sets(a, stats), _main_token_sets(b, stats)
    if not left or not right or set(left) & set(right):
        return None
    found: str | None = None
    for x in left:
        for y in right:
            small, big = (x, y) if len(x) < len(y) else (y, x)
            if not small or not small < big:
                continue
            extra = big - small
            if extra & BRANCH_WORDS:
                return "branch"
            if extra & SUBSIDIARY_WORDS:
                found = "subsidiary"
    return found
