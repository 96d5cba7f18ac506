"""Coreference: which party a word standing alone refers back to.

A party named in full introduces its family name (an organisation, every word of its
name): a word alone later ("Lukashenko", "President Lukashenko") refers to it, scoring a
share of the full mention's score. When several listed people of one family name are
named, the most prominent keeps it and the others are named as also possible ("his son
Viktor Lukashenko"). A person named in full who is on no list ("Maria Kalesnikava")
introduces their surname too, so that it alone is not reported as someone listed. The
state is per text: one `Introduced` per scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from watchlist.text.candidates import Alt
from watchlist.text.inflect import word_forms
from watchlist.text.mentions import Found
from watchlist.text.surnames import Surnames
from watchlist.text.tokens import Token

__all__ = ["REFERENCE_FACTOR", "Intro", "Introduced", "reference"]

#: A surname referring to a party named in full earlier scores this share of that score.
REFERENCE_FACTOR = 0.95


@dataclass(slots=True)
class Intro:
    """A party introduced in full in the text (pid None: a party on no list)."""

    pid: int | None
    entity: int
    score: float
    start: int
    end: int
    text: str
    full: bool = True
    others: list[int] = field(default_factory=list)
    written: bool = False


class Introduced(dict[str, Intro]):
    """Family names introduced so far in a text, and the listed profiles among them."""

    def __init__(self) -> None:
        super().__init__()
        self.pids: set[int] = set()

    def __setitem__(self, key: str, value: Intro) -> None:
        super().__setitem__(key, value)
        if value.pid is not None:
            self.pids.add(value.pid)

    def introduce(self, source: str, found: Found, person: bool, tokens: list[Token],
                  positions: list[int], alts: list[tuple[Alt, ...]], surnames: Surnames,
                  prominence: dict[int, float]) -> None:
        """Remember the family name of a party named in full (`person`: a person's name,
        of which only the family name is introduced), for the surname alone."""
        start, end = tokens[positions[0]].start, tokens[positions[-1]].end
        text = source[start:end]
        for word_alts in alts:
            if any(found.entity in surnames.bearers(a.lookup) or not person
                   for a in word_alts):
                for a in word_alts:
                    held = self.get(a.lookup)
                    if held is not None and held.pid is not None and held.full \
                            and held.pid != found.pid:  # "his son Viktor Lukashenko"
                        if prominence.get(found.pid, 0.0) > prominence.get(held.pid, 0.0):
                            self[a.lookup] = Intro(found.pid, found.entity, found.score,
                                                   start, end, text,
                                                   others=[held.pid, *held.others])
                        elif found.pid not in held.others:
                            held.others.append(found.pid)
                        continue
                    self[a.lookup] = Intro(found.pid, found.entity, found.score, start, end,
                                           text)
                    if a.fuzzy and a.query not in self:  # the spelling as written
                        self[a.query] = Intro(found.pid, found.entity, found.score, start,
                                              end, text, written=True)

    def introduce_unlisted(self, words: Iterable[tuple[Alt, ...]], given: dict[str, int],
                           start: int, end: int) -> None:
        """A person named in full who is on no list: their surname alone is theirs (a
        given name is introduced by no one)."""
        for alts in words:
            for a in alts:
                if a.lookup not in given:
                    self[a.lookup] = Intro(None, -1, 0.0, start, end, "")

    def introduce_alone(self, lookup: str, found: Found, token: Token) -> None:
        """A surname reported alone introduces itself, as a reference with no full name."""
        self[lookup] = Intro(found.pid, found.entity, found.score, token.start, token.end,
                             token.text, False)

    def written_spellings(self, word: str) -> tuple[Alt, ...]:
        """A word the lists do not know that was written so in a name found in full with
        a typo ("Lukaschenkos" after "Alexander Lukaschenko"): that spelling."""
        return tuple(Alt(t, t, g) for t, g in word_forms(word)
                     if (held := self.get(t)) is not None and held.written)

    def referent(self, token: Token, alts: tuple[Alt, ...],
                 ordinary: frozenset[str]) -> Intro | None:
        """The party introduced earlier that a word alone refers to (pid None: a person on
        no list, so the word names nobody listed), if any."""
        for a in alts:
            intro = self.get(a.lookup)
            if intro is None or a.fuzzy:
                continue
            if intro.pid is not None and a.lookup in ordinary and token.sentence_start:
                continue  # "Long queues formed" after "John Long": the word, not the name
            return intro
        return None


def reference(intro: Intro, title: str | None) -> tuple[Found, dict[str, Any]] | None:
    """The party a word alone refers to by its introduction, and the evidence; None when
    the introduction is of a person on no list (the word names nobody listed)."""
    if intro.pid is None:
        return None
    score = intro.score * REFERENCE_FACTOR if intro.full else intro.score
    found = Found(intro.pid, intro.entity, score, None, "surname", list(intro.others))
    evidence = {"kind": "surname", "refers_to": {"start": intro.start, "end": intro.end,
                                                 "text": intro.text},
                **({"title": title} if title else {})}
    return found, evidence
