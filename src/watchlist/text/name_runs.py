"""Where in a text's words a name may be: runs of capitalised words (and of words of scripts
without case) joined by spaces, single line breaks, hyphens, initials and name particles
("bin", "van", "of"), and the words just before a word that say what it is (a title, a
vessel cue).

Pure functions of the tokens (`text.tokens`), kept apart from the lookups so that what
counts as a place for a name can be read, and changed, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from watchlist.match.prepare import PARTICLES
from watchlist.names.titles import HONORIFICS, TITLES
from watchlist.text.inflect import own_token
from watchlist.text.tokens import BREAK, HYPHEN, Token

__all__ = ["CONNECTORS", "TITLE_WORDS", "VESSEL_CUES", "joining", "name_runs", "title_before",
           "vessel_cue"]

#: Words that may join the words of one name in lower case ("Bank of Russia", "bin Laden").
CONNECTORS = frozenset(PARTICLES | {"of", "the", "and", "for", "on", "in", "und", "des",
                                    "y", "i", "et", "&"})
#: Single-word titles and honorifics (normalised); a title run splits names apart.
TITLE_WORDS = frozenset(t for t in HONORIFICS | TITLES if " " not in t) | {
    "ceo", "chief", "head", "leader", "dictator", "president", "premier", "minister",
    "tycoon", "oligarch", "businessman", "businesswoman", "comrade", "spokesman",
    "prezident", "glava", "premyer", "ministr", "diktator", "oligarkh", "biznesmen",
    "lider", "gospodin", "gospozha", "g", "pan", "pani", "tsar", "czar", "strongman",
    "autocrat", "ruler", "mayor", "governor", "senator", "ambassador", "envoy", "chairman",
    "director", "founder", "owner", "magnate", "billionaire", "general", "marshal"}
#: Words before a one-word vessel name that say it is a vessel.
VESSEL_CUES = frozenset("mv mt m v t ss tanker vessel ship freighter carrier yacht barge "
                        "tanker tankera sudno sudna tanker".split())


def name_runs(tokens: list[Token]) -> Iterable[list[int]]:
    """Runs of token positions where a name may be."""
    chunk: list[int] = []
    n = len(tokens)
    for i, token in enumerate(tokens):
        if chunk and token.gap == BREAK:
            yield _trim(chunk, tokens)
            chunk = []
        if token.capitalised or (chunk and (token.text.isdigit() or (
                token.gap == HYPHEN and len(token.text) <= 4))):
            chunk.append(i)  # a syllable hyphenated to a name goes with it: "Jong-un"
            continue
        if chunk and _joins_next(tokens, i):  # "Ministry of Defence of the Russian..."
            chunk.append(i)
            continue
        if not chunk and i + 1 < n and tokens[i + 1].capitalised \
                and tokens[i + 1].gap != BREAK and token.text.lower() in CONNECTORS:
            chunk.append(i)
            continue
        if chunk:
            yield _trim(chunk, tokens)
            chunk = []
    if chunk:
        yield _trim(chunk, tokens)


def title_before(tokens: list[Token], i: int, titles: list[int]) -> str | None:
    """The title written just before word i ("President"), if any: the title words of its
    run (`titles`, positions), or a title word right before it."""
    if titles and titles[-1] < i:
        return " ".join(tokens[t].text for t in titles)
    if i > 0 and tokens[i].gap != BREAK:
        before = tokens[i - 1]
        if own_token(before.text) in TITLE_WORDS:
            return before.text
    return None


def vessel_cue(tokens: list[Token], i: int) -> bool:
    """Whether one of the two words before word i says a vessel follows ("tanker", "MV")."""
    for j in range(max(0, i - 2), i):
        if own_token(tokens[j].text) in VESSEL_CUES:
            return True
    return False


def joining(token: Token) -> bool:
    """A word that joins the words of a name but begins none, unless it is a particle
    written capitalised ("Abu Bakr al-Baghdadi", "Van Dyke"; not "of" or "The")."""
    word = token.text.lower()
    return word in CONNECTORS and not (token.capitalised and word in PARTICLES)


def _joins_next(tokens: list[Token], i: int) -> bool:
    """Whether word i is a connector, or the first of two ("of the"), followed by a
    capitalised word on the same line of thought (no full stop between)."""
    for j in (i, i + 1):
        if j >= len(tokens) or tokens[j].text.lower() not in CONNECTORS or (
                j > i and tokens[j].gap == BREAK):
            return False
        after = j + 1
        if after < len(tokens) and tokens[after].capitalised and tokens[after].gap != BREAK:
            return True
    return False


def _trim(chunk: list[int], tokens: list[Token]) -> list[int]:
    """A run without connectors at either end."""
    while chunk and tokens[chunk[-1]].text.lower() in CONNECTORS and \
            not tokens[chunk[-1]].capitalised:
        chunk = chunk[:-1]
    while chunk and tokens[chunk[0]].text.lower() in CONNECTORS and \
            not tokens[chunk[0]].capitalised and tokens[chunk[0]].text.lower() not in PARTICLES:
        chunk = chunk[1:]
    return chunk
