"""Parties blocked by ownership named in free text: each derived party's name (and its name
without its legal form, when two words or more remain) found as a run of the text's words,
compared normalised (case, accents, script). Exact phrases only: a derived party has no
aliases to tell a loose match from a coincidence."""

from __future__ import annotations

from dataclasses import dataclass

from watchlist.names.normalize import normalize_text
from watchlist.names.orgs import split_legal_form
from watchlist.ownership.view import OwnershipView

#: Fewest words a name (without its legal form) needs to be looked for in text.
MIN_WORDS = 2


@dataclass(frozen=True)
class Phrase:
    """A derived party's name as words, and its id."""

    words: tuple[str, ...]
    party: str


def phrases(view: OwnershipView) -> dict[str, list[Phrase]]:
    """The names to look for, by first word."""
    found: dict[str, list[Phrase]] = {}
    for node in view.derived():
        name = view.graph.names[node]
        if not name:
            continue
        forms = {tuple(normalize_text(name).split()), tuple(split_legal_form(name)[0])}
        for words in forms:
            if len(words) >= MIN_WORDS:
                found.setdefault(words[0], []).append(Phrase(words, view.graph.ids[node]))
    for items in found.values():
        items.sort(key=lambda p: -len(p.words))
    return found


def find(words: list[str], lookup: dict[str, list[Phrase]]) -> list[tuple[int, int, str]]:
    """(first word, word after the last, party) of each name found in the words (normalised),
    longest first where two start at one word; no overlaps."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        for phrase in lookup.get(words[i], ()):
            end = i + len(phrase.words)
            if tuple(words[i:end]) == phrase.words:
                found.append((i, end, phrase.party))
                i = end
                break
        else:
            i += 1
    return found
