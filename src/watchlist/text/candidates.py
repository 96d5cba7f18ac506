"""Candidate finding: what the name automaton may know each word of a text as, and the name
forms a run of such words may be.

A word is looked up as written, as the nominatives it may inflect (`text.inflect`), as the
list tokens one or two typos away (only beside a word the lists know), as another spelling
the lists write beside a family name ("Oleksandr" ~ "Aleksandr"), or as a legal form
("OAO", "Ltd") that may open or close a name. A run of words is then looked up in the
automaton once per way of reading its words. Finding candidates is kept apart from
confirming them (`text.mention_scoring`): this module only says what the lists might
mean, never how sure that is.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from watchlist.index.model import Index
from watchlist.index.search import CandidateSearch
from watchlist.match.names import Sims
from watchlist.names.orgs import is_legal_form
from watchlist.text.automaton import NameAutomaton
from watchlist.text.inflect import EXACT, word_forms

__all__ = ["MAX_COMBINATIONS", "Alt", "WordLookup", "name_candidates"]

#: Typo tolerance for an unknown capitalised word: list tokens at least this similar.
FUZZY_SIM = 0.8
FUZZY_MIN_LENGTH = 5
#: Most other spellings tried for one word of a run of known words.
MAX_RESPELLINGS = 8
_VOWELS = frozenset("aeiouy")
#: Most key lookups for one run of words (alternatives multiplied).
MAX_COMBINATIONS = 64


@dataclass(slots=True)
class Alt:
    """A word as the automaton may know it: the token looked up, the token scored (the
    word itself when the lookup token is a typo away), grade and similarity."""

    lookup: str
    query: str
    grade: int
    fuzzy: bool = False
    legal: bool = False


class WordLookup:
    """The tokens of the lists a word of text may stand for, cached per word."""

    def __init__(self, index: Index, automaton: NameAutomaton, sims: Sims,
                 search: CandidateSearch) -> None:
        self.index = index
        self.automaton = automaton
        self.sims = sims
        self.search = search
        self._words: dict[str, tuple[Alt, ...]] = {}
        self._typos: dict[str, tuple[Alt, ...]] = {}
        self._legal_forms: dict[str, bool] = {}

    def alternatives(self, word: str) -> tuple[Alt, ...]:
        """What the automaton may know a word as (cached per word)."""
        found = self._words.get(word)
        if found is not None:
            return found
        known = self.automaton.tokens
        surnames = self.automaton.surnames
        forms = word_forms(word)
        result = tuple(Alt(token, token, grade) for token, grade in forms
                       if token in known or token in surnames)
        if len(self._words) > 500_000:
            self._words.clear()
            self._typos.clear()
        self._words[word] = result
        return result

    def typos(self, word: str) -> tuple[Alt, ...]:
        """The list tokens a word unknown to the lists may be a typo of (one or two edits,
        same first letter); looked for only beside a word the lists know."""
        found = self._typos.get(word)
        if found is not None:
            return found
        alts: list[Alt] = []
        forms = word_forms(word)
        own = forms[0][0] if forms else ""
        if len(own) >= FUZZY_MIN_LENGTH and not own.isdigit():
            known = self.automaton.tokens
            vocab = self.index.vocab_tokens
            for tid, sim in self.search.expand(own):
                token = vocab[tid]
                if sim >= FUZZY_SIM and token in known and token[0] == own[0]:
                    alts.append(Alt(token, own, EXACT, True))
        result = tuple(alts)
        self._typos[word] = result
        return result

    def respellings(self, word: str, beside: set[str]) -> tuple[Alt, ...]:
        """The list tokens a word may also be written as, in another language or
        transliteration ("Oleksandr" ~ "Aleksandr", "Hassan" ~ "Hasan"), among the words
        the lists write beside these family names: the closest few, as written or as the
        nominative it may inflect."""
        partners: set[str] = set()
        for token in beside:
            partners.update(self.automaton.partners.get(token, ()))
        if not partners:
            return ()
        forms = self.alternatives(word) or tuple(
            Alt(token, token, grade) for token, grade in word_forms(word))
        near: dict[str, tuple[float, Alt]] = {}
        for alt in forms:
            if len(alt.lookup) < 3 or alt.lookup.isdigit():
                continue
            for token in partners:
                if token == alt.lookup or token[0] != alt.lookup[0] and not (
                        token[0] in _VOWELS and alt.lookup[0] in _VOWELS):
                    continue
                sim = self.sims(alt.lookup, token)
                if sim >= FUZZY_SIM and (token not in near or near[token][0] < sim):
                    near[token] = (sim, Alt(token, alt.query, alt.grade, True))
        ranked = sorted(near.values(), key=lambda pair: -pair[0])
        return tuple(alt for _, alt in ranked[:MAX_RESPELLINGS])

    def legal(self, norm: str) -> bool:
        """Whether a normalised word is a legal form ("oao", "ltd")."""
        found = self._legal_forms.get(norm)
        if found is None:
            found = bool(norm) and norm.isalpha() and is_legal_form(norm)
            if len(self._legal_forms) < 100_000:
                self._legal_forms[norm] = found
        return found


def name_candidates(alts: list[tuple[Alt, ...]], bags: dict[str, tuple[int, ...]]
                    ) -> Iterator[tuple[list[Alt], tuple[int, ...]]]:
    """For each way of reading a run's words (at most MAX_COMBINATIONS), the words without
    legal forms ("Belaruskali OAO": the name core) and the name forms the automaton holds
    under them; readings the automaton holds nothing under are left out."""
    for full in itertools.islice(itertools.product(*alts), MAX_COMBINATIONS):
        combo = [a for a in full if not a.legal]
        if not combo:
            continue
        fids = bags.get(" ".join(sorted(a.lookup for a in combo)))
        if not fids:
            continue
        yield combo, fids
