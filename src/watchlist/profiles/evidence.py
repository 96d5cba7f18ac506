"""Evidence beyond birth dates and stated countries: regime countries and distinctive names.

Many records give no country (regime-only records, OFAC's CSV set without its address file)
and many people no birth date. What the lists still say: the country of the regime that
designates the party (`programmes`), and how distinctive its name is: a name held by one
record of each list, with a rare word in it ("Belaruskali"), names one party; "Central
Bank" or "Ivanov Sergey" does not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from watchlist.match.names import Sims, best_name_match, numbers_differ
from watchlist.match.prepare import NameForm, Party
from watchlist.names.orgs import ORG_WEAK_WORDS

__all__ = ["DISTINCTIVE_WEIGHT", "SPELLING", "PairContext", "distinctive", "identifiers_differ",
           "main_match", "name_holders", "spelled_alike"]

#: A name is distinctive when one of its words, not a generic organisation word, weighs this
#: much (a word on at most about 20 records of the lists).
DISTINCTIVE_WEIGHT = 0.8

#: Two words are spelled alike at this similarity or more ("Grigoryevich" ~ "Grigorievich"
#: 0.92; "Tong" ~ "Jong", equal only as romanisations of Korean, 0.75).
SPELLING = 0.8


@dataclass(frozen=True)
class PairContext:
    """What the lists say about two records besides their own facts: the countries of their
    regimes, their sources, and how many records of each list hold each main name."""

    regimes: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    sources: tuple[str, str] = ("", "")
    holders: Mapping[tuple[str, frozenset[str]], int] = field(default_factory=dict)


def name_holders(records: Iterable[tuple[str, Party]], kind_of_party: Any, stats: Any
                 ) -> Counter[tuple[str, frozenset[str]]]:
    """How many records of each source hold each main name (as a set of tokens)."""
    held: Counter[tuple[str, frozenset[str]]] = Counter()
    for source, party in records:
        names = {frozenset(f.tokens) for f in party.primary_forms(kind_of_party(party), stats)
                 if not f.weak}
        for tokens in names:
            held[(source, tokens)] += 1
    return held


def main_match(a: Party, b: Party, kind: str, stats: Any, sims: Sims | None = None
               ) -> tuple[float, NameForm | None, NameForm | None]:
    """The best score of the two records' main names, with the forms that gave it (0.0
    when their numbers differ)."""
    left = [f for f in a.primary_forms(kind, stats) if not f.weak][:40]
    right = [f for f in b.primary_forms(kind, stats) if not f.weak][:40]
    result = best_name_match(left, right, kind, sims=sims)
    if result.query is None or result.candidate is None:
        return 0.0, None, None
    score = result.score if numbers_differ(result) == 0 else 0.0
    return score, result.query, result.candidate


def distinctive(form: NameForm, source: str, context: PairContext) -> bool:
    """Whether a main name names one party: held by one record of its list, with a word that
    is rare over all the lists and not a generic organisation word."""
    if context.holders.get((source, frozenset(form.tokens)), 0) > 1:
        return False
    return any(w >= DISTINCTIVE_WEIGHT and t not in ORG_WEAK_WORDS and not t.isdigit()
               for t, w in zip(form.tokens, form.weights, strict=True))


def identifiers_differ(a: Party, b: Party) -> bool:
    """Whether the two records give identifiers of one kind that share no value."""
    return any(not (a.identifiers[p] & b.identifiers[p])
               for p in set(a.identifiers) & set(b.identifiers))


def spelled_alike(a: NameForm, b: NameForm) -> bool:
    """Whether every word of one name is spelled almost like a word of the other, one to one
    (in any order): the same name written twice, not names the matcher finds equivalent
    (symbols, phonetics) that may be two people."""
    if len(a.tokens) != len(b.tokens):
        return False
    left = list(b.tokens)
    for token in a.tokens:
        best = max(left, key=lambda t: SequenceMatcher(None, token, t).ratio())
        if SequenceMatcher(None, token, best).ratio() < SPELLING:
            return False
        left.remove(best)
    return True
