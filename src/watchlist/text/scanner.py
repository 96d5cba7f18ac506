"""Find every mention of a listed party in running text, in any language and script.

```python
from watchlist.text import Scanner

scanner = Scanner.open()                 # the current store's index and name automaton
for m in scanner.scan(article):          # sorted by start
    print(m.start, m.end, m.text, m.caption, m.score, m.designations)
```

How a text is read:

1. Words are tokenised with their offsets (`tokens`); runs of capitalised words (and of
   words of scripts without case), joined by spaces, single line breaks, hyphens, initials
   and name particles ("bin", "van", "of"), are the places a name may be.
2. Each word is looked up as written, as the nominatives it may inflect (`inflect`:
   "Путина" -> putin, "Lukashenko's" -> lukashenko) and, for a word of five letters or
   more unknown to the lists standing beside one they know, as the list tokens one or
   two typos away ("Lukaschenko"); then every run of up to `max_tokens` words is looked
   up in the name automaton, longest first. Where nothing is found as written, a run of
   two or three words beside a family name few listed people bear is looked up once
   more with one word respelled as a list token ("Hassan Nasrallah" for "Hasan
   NASRALLAH", Ukrainian "Олександр Лукашенко" for "Aleksandr LUKASHENKO").
3. A run found there is confirmed by scoring the words, as written, against the listed
   name form with the screening name comparison (`match.names.compare_forms`): a mention
   is a score at the threshold (0.80), and a weak alias must be written whole. A body
   named by a few common words ("Ministry of Defence") counts only for its own country
   when the text gives one ("Syria's", "of Syria"), and scores 0.6 when it gives none.
4. A word standing alone (or after a title: "President Lukashenko") refers to the person
   introduced in full with that family name (the most prominent listed one, when several
   were: the others are named as also possible); a name introduced in full that is not
   listed ("Maria Kalesnikava") makes the surname alone refer to them, so it is not
   reported. A surname never introduced is reported only when it is distinctive: not an
   ordinary word nor a country's name, and one profile bearing it stands out (a head of
   state, or the most listed record by far: 0.6, 0.7 after a title that is its office),
   or at most three profiles bear it (0.5, naming the others). A one-word organisation
   name ("Belaruskali") of four letters or more is reported when it is not an ordinary word;
   a one-word vessel name only after a word such as "tanker" or "MV". Organisations of
   the same name on several lists are one mention with every designation.
5. Names the lists write in a script without spaces (Chinese, Japanese, Thai) are found
   inside the words of such text as written, traditional and simplified characters alike.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from watchlist.index.build import Index, open_index
from watchlist.index.search import CandidateSearch
from watchlist.match.model import DEFAULT_THRESHOLD
from watchlist.match.names import DEFAULT_CONFIG, NameMatch, Sims, compare_forms
from watchlist.match.prepare import (
    OBJECT,
    ORG,
    PARTICLES,
    PERSON,
    NameForm,
    kind_of,
    token_weight,
)
from watchlist.match.symbols import set_runtime
from watchlist.names.orgs import is_legal_form
from watchlist.names.scripts import main_script
from watchlist.names.titles import HONORIFICS, TITLES
from watchlist.text.automaton import NameAutomaton, open_automaton
from watchlist.text.inflect import EXACT, FEMININE, word_forms
from watchlist.text.spaceless import find_names, is_spaceless
from watchlist.text.tokens import BREAK, HYPHEN, Token, tokenize

__all__ = ["Mention", "Scanner"]

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

#: Scores of a surname alone: never introduced, after a title, referring back.
SURNAME_SCORE = 0.6
#: An organisation named by a few common words, the text giving it no country; the most
#: words and the highest rarity weight of such a name's words.
GENERIC_SCORE = 0.6
GENERIC_WORDS = 3
GENERIC_WEIGHT = 0.7
AMBIGUOUS_SURNAME_SCORE = 0.5
TITLE_BONUS = 0.1
#: Organisations (and vessels) whose names score within this of the best are one party
#: listed by several publishers without a link between the records: one mention names all.
TIE = 0.01
#: A surname referring to a party named in full earlier scores this share of that score.
REFERENCE_FACTOR = 0.95
#: A surname alone never introduced: at most this many profiles bear it; when the most
#: prominent is not this many times as prominent as the next, at most MAX_AMBIGUOUS.
MAX_SURNAME_PROFILES = 8
PROMINENCE_RATIO = 1.5
MAX_AMBIGUOUS_PROFILES = 3
#: Typo tolerance for an unknown capitalised word: list tokens at least this similar.
FUZZY_SIM = 0.8
FUZZY_MIN_LENGTH = 5
#: Most other spellings tried for one word of a run of known words, and most profiles
#: bearing the family name beside it.
MAX_RESPELLINGS = 8
MAX_ANCHOR_PROFILES = 12
_VOWELS = frozenset("aeiouy")
#: Most key lookups for one run of words (alternatives multiplied).
MAX_COMBINATIONS = 64


@dataclass
class Mention:
    """One mention of a listed party: where it is, who it is, how sure, and why."""

    start: int
    end: int
    text: str
    entity_id: str
    caption: str
    score: float
    designations: list[dict[str, Any]]
    evidence: dict[str, Any]
    schema: str = ""
    profile_id: str = ""
    entity_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text,
            "entity_id": self.entity_id, "caption": self.caption,
            "score": round(self.score, 4), "schema": self.schema,
            "profile_id": self.profile_id, "entity_ids": list(self.entity_ids),
            "designations": [dict(d) for d in self.designations],
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class _Alt:
    """A word as the automaton may know it: the token looked up, the token scored (the
    word itself when the lookup token is a typo away), grade and similarity."""

    lookup: str
    query: str
    grade: int
    fuzzy: bool = False
    legal: bool = False


@dataclass(slots=True)
class _Intro:
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


@dataclass(slots=True)
class _Found:
    pid: int
    entity: int
    score: float
    match: NameMatch | None
    kind: str
    others: list[int]
    partial: bool = False
    merged: list[int] = field(default_factory=list)


class _Introduced(dict[str, _Intro]):
    """Family names introduced so far in a text, and the listed profiles among them."""

    def __init__(self) -> None:
        super().__init__()
        self.pids: set[int] = set()

    def __setitem__(self, key: str, value: _Intro) -> None:
        super().__setitem__(key, value)
        if value.pid is not None:
            self.pids.add(value.pid)


_CACHE: dict[str, Scanner] = {}
_LOCK = threading.Lock()


class Scanner:
    """Scans text for the parties of the current lists (see the module docstring)."""

    def __init__(self, index: Index, automaton: NameAutomaton | None = None,
                 threshold: float | None = None, store: Any = None) -> None:
        self.index = index
        self.automaton = automaton or open_automaton(index, store)
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.config = DEFAULT_CONFIG
        self.sims = Sims(self.config)
        self.search = CandidateSearch(index, self.sims)
        self.kinds = self.automaton.kinds or [kind_of(p.schema) for p in index.parties]
        self._words: dict[str, tuple[_Alt, ...]] = {}
        self._typos: dict[str, tuple[_Alt, ...]] = {}
        self._spaceless_sizes: list[int] | None = None
        self._anchors: dict[str, bool] = {}
        self._holders: dict[str, list[int]] = {}
        self._bearer_sets: dict[str, frozenset[int]] = {}
        self._legal_forms: dict[str, bool] = {}
        self._scripts: dict[str, str | None] = {}
        self._profiles: dict[int, dict[str, Any]] = {}
        set_runtime(False)

    @classmethod
    def open(cls, store: Any = None, threshold: float | None = None) -> Scanner:
        """The scanner of a store (a Store, a database URL or None for the default store):
        the screening index and the name automaton are loaded, or built and saved. One
        scanner per index is kept for the life of the process."""
        if store is None or isinstance(store, str):
            from watchlist.store.store import Store

            store = Store(store)
        index = open_index(store)
        with _LOCK:
            found = _CACHE.get(index.key)
            if found is None or (threshold is not None and found.threshold != threshold):
                found = cls(index, open_automaton(index, store), threshold)
                _CACHE.clear()
                _CACHE[index.key] = found
        return found

    @property
    def versions(self) -> list[dict[str, Any]]:
        return self.index.versions

    # -- words -----------------------------------------------------------------------

    def alternatives(self, word: str) -> tuple[_Alt, ...]:
        """What the automaton may know a word as (cached per word)."""
        found = self._words.get(word)
        if found is not None:
            return found
        known = self.automaton.tokens
        surnames = self.automaton.surnames
        forms = word_forms(word)
        result = tuple(_Alt(token, token, grade) for token, grade in forms
                       if token in known or token in surnames)
        if len(self._words) > 500_000:
            self._words.clear()
            self._typos.clear()
        self._words[word] = result
        return result

    def typos(self, word: str) -> tuple[_Alt, ...]:
        """The list tokens a word unknown to the lists may be a typo of (one or two edits,
        same first letter); looked for only beside a word the lists know."""
        found = self._typos.get(word)
        if found is not None:
            return found
        alts: list[_Alt] = []
        forms = word_forms(word)
        own = forms[0][0] if forms else ""
        if len(own) >= FUZZY_MIN_LENGTH and not own.isdigit():
            known = self.automaton.tokens
            vocab = self.index.vocab_tokens
            for tid, sim in self.search.expand(own):
                token = vocab[tid]
                if sim >= FUZZY_SIM and token in known and token[0] == own[0]:
                    alts.append(_Alt(token, own, EXACT, True))
        result = tuple(alts)
        self._typos[word] = result
        return result

    def respellings(self, word: str, beside: set[str]) -> tuple[_Alt, ...]:
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
            _Alt(token, token, grade) for token, grade in word_forms(word))
        near: dict[str, tuple[float, _Alt]] = {}
        for alt in forms:
            if len(alt.lookup) < 3 or alt.lookup.isdigit():
                continue
            for token in partners:
                if token == alt.lookup or token[0] != alt.lookup[0] and not (
                        token[0] in _VOWELS and alt.lookup[0] in _VOWELS):
                    continue
                sim = self.sims(alt.lookup, token)
                if sim >= FUZZY_SIM and (token not in near or near[token][0] < sim):
                    near[token] = (sim, _Alt(token, alt.query, alt.grade, True))
        ranked = sorted(near.values(), key=lambda pair: -pair[0])
        return tuple(alt for _, alt in ranked[:MAX_RESPELLINGS])

    def _script(self, text: str) -> str | None:
        if text.isascii():
            return "Latin"
        found = self._scripts.get(text)
        if found is None:
            found = main_script(text)
            if len(self._scripts) < 200_000:
                self._scripts[text] = found
        return found

    @staticmethod
    def _norm(word: str) -> str:
        forms = word_forms(word)
        return forms[0][0] if forms else ""

    # -- scanning --------------------------------------------------------------------

    def scan(self, text: str) -> list[Mention]:
        """Every mention of a listed party in text, sorted by start."""
        if not text:
            return []
        tokens = tokenize(text)
        mentions: list[Mention] = []
        introduced = _Introduced()
        for chunk in self._chunks(tokens):
            self._scan_chunk(text, tokens, chunk, introduced, mentions)
        if self.automaton.spaceless and not text.isascii():
            self._scan_spaceless(text, mentions)
        mentions.sort(key=lambda m: (m.start, -m.end))
        return mentions

    def _chunks(self, tokens: list[Token]) -> Iterable[list[int]]:
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

    def _scan_chunk(self, text: str, tokens: list[Token], chunk: list[int],
                    introduced: _Introduced, mentions: list[Mention]) -> None:
        if not chunk:
            return
        alts = [self.alternatives(tokens[i].text) for i in chunk]
        if len(chunk) > 1:  # legal forms ("OAO", "Ltd") may close or open a name
            for k, known in enumerate(alts):
                if not known:
                    norm = self._norm(tokens[chunk[k]].text)
                    if self._legal(norm):
                        alts[k] = (_Alt(norm, norm, EXACT, legal=True),)
        if len(chunk) > 1:  # a typo in one word of a name whose other words are known
            for k, known in enumerate(alts):
                if not known and ((k and alts[k - 1] and not alts[k - 1][0].fuzzy) or (
                        k + 1 < len(alts) and alts[k + 1])):
                    alts[k] = self.typos(tokens[chunk[k]].text)
        covered = [False] * len(chunk)
        p = 0
        limit = self.automaton.max_tokens
        while p < len(chunk):
            if _joining(tokens[chunk[p]]):
                p += 1
                continue
            taken = 0
            sizes = range(min(limit, len(chunk) - p), 1, -1) if alts[p] else range(0)
            for size in sizes:
                if not all(alts[p:p + size]) or tokens[chunk[p + size - 1]].text.lower() \
                        in CONNECTORS:
                    continue
                run = self._match_run(tokens, chunk[p:p + size], alts[p:p + size],
                                      introduced)
                if run is not None:
                    self._take(text, tokens, chunk[p:p + size], alts[p:p + size], run,
                               introduced, mentions)
                    taken = size
                    break
            if not taken:
                respelled = self._respelled(tokens, chunk, alts, p, introduced)
                if respelled is not None:
                    size, run, window = respelled
                    self._take(text, tokens, chunk[p:p + size], window, run, introduced,
                               mentions)
                    taken = size
            if taken:
                for k in range(p, p + taken):
                    covered[k] = True
                p += taken
            else:
                p += 1
        self._leftovers(text, tokens, chunk, alts, covered, introduced, mentions)

    def _take(self, text: str, tokens: list[Token], positions: list[int],
              alts: list[tuple[_Alt, ...]], run: _Found, introduced: _Introduced,
              mentions: list[Mention]) -> None:
        """Report a name found in full and introduce its family name."""
        first, last = 0, len(positions) - 1
        while alts[first][0].legal:  # the name, without "OAO" or "Ltd"
            first += 1
        while alts[last][0].legal:
            last -= 1
        start, end = tokens[positions[first]].start, tokens[positions[last]].end
        evidence: dict[str, Any] = {"kind": "name", "matched": _matched(run)}
        if self.kinds[run.entity] not in (PERSON, OBJECT) and self._generic(
                tokens, positions[first], positions[last]):
            place = self._place_agrees(text, tokens, positions[first], positions[last], run)
            if place is False:  # "Britain's Ministry of Defence", "National Bank of Ukraine"
                return
            if place is None:
                run.score = min(run.score, GENERIC_SCORE)
                evidence["note"] = "a name of ordinary words, with no country in the text"
        mentions.append(self._mention(text, start, end, run, evidence))
        self._introduce(text, run, tokens, positions, alts, introduced)

    def _generic(self, tokens: list[Token], first: int, last: int) -> bool:
        """Whether words first..last name a kind of body rather than one body: at most
        three words, each an ordinary word or common in the lists' organisation names,
        none a place ("Ministry of Defence", "National Bank"; not "Central Bank of Russia",
        "Islamic Revolutionary Guard Corps")."""
        ordinary, places = self.automaton.ordinary, self.automaton.places
        words = [self._norm(t.text) for t in tokens[first:last + 1]]
        words = [w for w in words if w not in CONNECTORS]
        return 0 < len(words) <= GENERIC_WORDS and all(
            w not in places and (w in ordinary or _us_spelling(w) in ordinary or token_weight(
                w, ORG, self.index.stats) <= GENERIC_WEIGHT) for w in words)

    def _place_agrees(self, text: str, tokens: list[Token], first: int, last: int,
                      found: _Found) -> bool | None:
        """Whether the country the text gives an organisation (in its name, just before
        it: "Russia's", "Syrian", or just after it: "of Belarus") is one of the listed
        party's; None when the text gives none, or the lists give the party none."""
        places = self.automaton.places
        given = {places[n] for n in (self._norm(t.text) for t in tokens[first:last + 1])
                 if n in places}
        if first > 0 and text[tokens[first - 1].end:tokens[first].start].strip() in (
                "", "'s", "’s"):
            code = places.get(self._norm(tokens[first - 1].text))
            if code:
                given.add(code)
        after = last + 1
        if after < len(tokens) and tokens[after].text.lower() == "of" and \
                tokens[after].gap != BREAK:
            after += 1
            if after < len(tokens) and tokens[after].text.lower() == "the":
                after += 1
            if after < len(tokens) and tokens[after].gap != BREAK:
                code = places.get(self._norm(tokens[after].text))
                if code:
                    given.add(code)
        if not given:
            return None
        held: set[str] = set()
        for pid in (found.pid, *found.merged):
            for member in self.index.profiles[pid]:
                held.update(self.index.parties[member].countries)
        if not held:
            return None
        return bool(given & held)

    def _respelled(self, tokens: list[Token], chunk: list[int],
                   alts: list[tuple[_Alt, ...]], p: int, introduced: _Introduced
                   ) -> tuple[int, _Found, list[tuple[_Alt, ...]]] | None:
        """A person's name of two or three words the lists know, one of them spelled
        as another list token ("Hassan Nasrallah" for "Hasan NASRALLAH", "Oleksandr" for
        "Aleksandr"): tried only where no name was found as written, and only beside a
        family name few listed people bear (dozens bear Ahmed, so "Said Ahmed" is not
        tried as "Saeed Ahmed"); the words as written are scored, as for any name."""
        for size in (3, 2):
            if p + size > len(chunk):
                continue
            window = alts[p:p + size]
            words = [tokens[chunk[k]] for k in range(p, p + size)]
            if any(w.text.lower() in CONNECTORS for w in words) or any(
                    a.legal for options in window for a in options):
                continue
            anchors = {j for j, options in enumerate(window)
                       if any(self._anchor(a.lookup) for a in options)}
            if not anchors or sum(1 for options in window if not options) > 1:
                continue
            for j, word in enumerate(words):
                if not anchors - {j}:
                    continue  # the family name beside it stays as written
                beside = {a.lookup for k in anchors - {j} for a in window[k]}
                extra = self.respellings(word.text, beside)
                if not extra:
                    continue
                trial = [*window[:j], extra, *window[j + 1:]]
                run = self._match_run(tokens, chunk[p:p + size], trial, introduced)
                if run is not None:
                    return size, run, trial
        return None

    # -- runs of several words -------------------------------------------------------

    def _match_run(self, tokens: list[Token], positions: list[int],
                   alts: list[tuple[_Alt, ...]], introduced: _Introduced
                   ) -> _Found | None:
        """The best listed party a run of words names in full, if any reaches the
        threshold."""
        bags = self.automaton.bags
        best: dict[int, _Found] = {}
        raw = " ".join(tokens[i].text for i in positions)
        script = self._script(raw)
        for full in itertools.islice(itertools.product(*alts), MAX_COMBINATIONS):
            combo = [a for a in full if not a.legal]  # "Belaruskali OAO": the name core
            if not combo:
                continue
            fids = bags.get(" ".join(sorted(a.lookup for a in combo)))
            if not fids:
                continue
            query_tokens = tuple(a.query for a in combo)
            for fid in fids:
                e = int(self.index.form_entity[fid])
                kind = self.kinds[e]
                if len(combo) == 1 and (kind == PERSON or len(combo[0].lookup) < 4):
                    continue  # one word and a legal form: only an organisation's name
                if any(a.grade == FEMININE for a in combo) and kind == PERSON and \
                        self.index.parties[e].gender == "female":
                    continue
                query = NameForm(query_tokens,
                                 tuple(token_weight(t, kind, self.index.stats)
                                       for t in query_tokens), (), raw, False, script)
                form = self.index.forms[fid]
                result = compare_forms(query, form, kind, self.config, self.sims)
                if result.score < self.threshold or (form.weak and result.extra_candidate):
                    continue  # a weak alias ("Salah Abu Mohamed") counts only whole
                pid = int(self.index.profile_of[e])
                partial = kind == PERSON and not any(
                    e in self._bearers(a.lookup) for a in combo)
                held = best.get(pid)
                if held is None or (not partial, result.score) > (not held.partial,
                                                                  held.score):
                    best[pid] = _Found(pid, e, result.score, result, "name", [], partial)
        if not best:
            return None
        ranked = sorted(best.values(), key=lambda f: (
            f.partial, -round(f.score, 3), -self.automaton.prominence.get(f.pid, 0.0)))
        top = ranked[0]
        ties = [f for f in ranked[1:] if round(f.score, 3) == round(top.score, 3)
                and f.partial == top.partial]
        if top.partial and len(ranked) > 1:  # "Aleksandr Grigoryevich": whose?
            chosen = [f for f in ranked if f.pid in introduced.pids]
            if not chosen:
                return None
            top = chosen[0]
        elif ties:  # prefer the one the text introduced
            for f in [top, *ties]:
                if f.pid in introduced.pids:
                    top = f
                    break
        if self.kinds[top.entity] != PERSON:  # one organisation on several lists
            top.merged = [f.pid for f in ranked if f is not top and self.kinds[f.entity]
                          == self.kinds[top.entity] and f.score >= top.score - TIE]
        top.others = [f.pid for f in ranked if f is not top and f.pid not in top.merged][:5]
        return top

    def _legal(self, norm: str) -> bool:
        found = self._legal_forms.get(norm)
        if found is None:
            found = bool(norm) and norm.isalpha() and is_legal_form(norm)
            if len(self._legal_forms) < 100_000:
                self._legal_forms[norm] = found
        return found

    def _bearers(self, token: str) -> frozenset[int]:
        """The listed people with this family name (entity indices)."""
        found = self._bearer_sets.get(token)
        if found is None:
            found = frozenset(self.automaton.surnames.get(token, ()))
            self._bearer_sets[token] = found
        return found

    def _introduce(self, source: str, found: _Found, tokens: list[Token],
                   positions: list[int], alts: list[tuple[_Alt, ...]],
                   introduced: _Introduced) -> None:
        """Remember the family name of a party named in full, for the surname alone."""
        start, end = tokens[positions[0]].start, tokens[positions[-1]].end
        text = source[start:end]
        for word_alts in alts:
            if any(found.entity in self._bearers(a.lookup) or self.kinds[found.entity]
                   != PERSON for a in word_alts):
                for a in word_alts:
                    held = introduced.get(a.lookup)
                    if held is not None and held.pid is not None and held.full \
                            and held.pid != found.pid:  # "his son Viktor Lukashenko"
                        prominence = self.automaton.prominence
                        if prominence.get(found.pid, 0.0) > prominence.get(held.pid, 0.0):
                            introduced[a.lookup] = _Intro(found.pid, found.entity,
                                                          found.score, start, end, text,
                                                          others=[held.pid, *held.others])
                        elif found.pid not in held.others:
                            held.others.append(found.pid)
                        continue
                    introduced[a.lookup] = _Intro(found.pid, found.entity, found.score,
                                                  start, end, text)
                    if a.fuzzy and a.query not in introduced:  # the spelling as written
                        introduced[a.query] = _Intro(found.pid, found.entity, found.score,
                                                     start, end, text, written=True)

    # -- words left over -------------------------------------------------------------

    def _leftovers(self, text: str, tokens: list[Token], chunk: list[int],
                   alts: list[tuple[_Alt, ...]], covered: list[bool],
                   introduced: _Introduced, mentions: list[Mention]) -> None:
        """Words not part of a full name: runs split at titles; a run of one word is a
        surname or a one-word name, a longer run a name not on the lists."""
        run: list[int] = []
        titles: list[int] = []
        for k in [*range(len(chunk)), None]:
            word = None if k is None else tokens[chunk[k]]
            norm = "" if word is None else self._norm(word.text)
            stop = k is None or covered[k] or norm in TITLE_WORDS or \
                word is None or word.text.lower() in CONNECTORS
            if not stop and k is not None:
                run.append(k)
                continue
            if run:
                self._run(text, tokens, chunk, alts, run, titles, introduced, mentions)
                run = []
                titles = []
            if k is not None and norm in TITLE_WORDS:
                titles.append(chunk[k])

    def _run(self, text: str, tokens: list[Token], chunk: list[int],
             alts: list[tuple[_Alt, ...]], run: list[int], titles: list[int],
             introduced: _Introduced, mentions: list[Mention]) -> None:
        if len(run) > 1:
            given = self.automaton.given
            norms = [self._norm(tokens[chunk[k]].text) for k in run]
            known = self.automaton.tokens
            ordinary = self.automaton.ordinary
            words = [tokens[chunk[k]] for k in run]
            if any(given.get(n, 0) > len(self.automaton.surnames.get(n, ())) or (
                    n not in known and n not in ordinary and n.isalpha() and len(n) > 1
                    and not w.all_caps and not self._legal(n))
                   for n, w in zip(norms, words, strict=True)):
                for k in run:  # a person on no list: their surname alone is theirs
                    for a in alts[k]:
                        if a.lookup not in given:
                            introduced[a.lookup] = _Intro(None, -1, 0.0,
                                                          tokens[chunk[run[0]]].start,
                                                          tokens[chunk[run[-1]]].end, "")
                return
        for k in run:
            self._single(text, tokens, chunk[k], alts[k], titles, introduced, mentions)

    def _single(self, text: str, tokens: list[Token], i: int, alts: tuple[_Alt, ...],
                titles: list[int], introduced: _Introduced,
                mentions: list[Mention]) -> None:
        """One word standing alone: a surname, or a one-word name."""
        token = tokens[i]
        if token.initial:
            return
        if not alts:  # "Lukaschenkos" after "Alexander Lukaschenko": the same spelling
            alts = tuple(_Alt(t, t, g) for t, g in word_forms(token.text)
                         if (held := introduced.get(t)) is not None and held.written)
            if not alts:
                return
        title = self._title(tokens, i, titles)
        for a in alts:
            intro = introduced.get(a.lookup)
            if intro is None or a.fuzzy:
                continue
            if intro.pid is None:
                return
            if a.lookup in self.automaton.ordinary and token.sentence_start:
                continue  # "Long queues formed" after "John Long": the word, not the name
            score = intro.score * REFERENCE_FACTOR if intro.full else intro.score
            found = _Found(intro.pid, intro.entity, score, None, "surname",
                           list(intro.others))
            mentions.append(self._mention(text, token.start, token.end, found, {
                "kind": "surname", "refers_to": {"start": intro.start, "end": intro.end,
                                                 "text": intro.text},
                **({"title": title} if title else {})}))
            return
        ordinary = self.automaton.ordinary
        if token.text.isascii() and self._norm(token.text) in ordinary:
            alts = tuple(a for a in alts if a.grade == EXACT)  # "Jamie" is not "Jami" + e
        for a in alts:
            if a.fuzzy or a.lookup in ordinary or a.grade == FEMININE:
                continue
            fids = self.automaton.bags.get(a.lookup, ())
            named = self._one_word_name(tokens, i, a, fids)
            if named is not None:
                mentions.append(self._mention(text, token.start, token.end, named, {
                    "kind": "one-word name", "matched": _matched(named)}))
                return
        for a in alts:
            if a.fuzzy or a.lookup in ordinary or a.grade == FEMININE or len(a.lookup) < 4 \
                    or a.lookup in self.automaton.places \
                    or self.automaton.given.get(a.lookup, 0) > len(
                        self.automaton.surnames.get(a.lookup, ())):
                continue
            alone = None if self._vessel_cue(tokens, i) else self._surname(a.lookup, title)
            if alone is not None:
                evidence: dict[str, Any] = {"kind": "surname only",
                                            "note": "not introduced in full in the text"}
                if title:
                    evidence["title"] = title
                if alone.others:
                    evidence["also_bearing_it"] = [self._profile(p)["caption"]
                                                   for p in alone.others]
                mentions.append(self._mention(text, token.start, token.end, alone,
                                              evidence))
                introduced[a.lookup] = _Intro(alone.pid, alone.entity, alone.score,
                                              token.start, token.end, token.text, False)
                return

    def _title(self, tokens: list[Token], i: int, titles: list[int]) -> str | None:
        """The title written just before word i ("President"), if any."""
        if titles and titles[-1] < i:
            return " ".join(tokens[t].text for t in titles)
        if i > 0 and tokens[i].gap != BREAK:
            before = tokens[i - 1]
            if self._norm(before.text) in TITLE_WORDS:
                return before.text
        return None

    def _one_word_name(self, tokens: list[Token], i: int, alt: _Alt,
                       fids: tuple[int, ...]) -> _Found | None:
        token = tokens[i]
        best: _Found | None = None
        found: dict[int, _Found] = {}
        for fid in fids:
            e = int(self.index.form_entity[fid])
            kind = self.kinds[e]
            if kind == PERSON:
                continue  # a one-word person name is a surname: see _surname
            if len(alt.lookup) < 4 or len(token.text) < 4:  # "ЦИК", "GRU": ambiguous
                continue
            if kind == OBJECT and not self._vessel_cue(tokens, i):
                continue
            form = self.index.forms[fid]
            if kind != ORG and kind != OBJECT and form.weak:
                continue
            query = NameForm((alt.query,), (token_weight(alt.query, kind, self.index.stats),),
                             (), token.text, False, self._script(token.text))
            result = compare_forms(query, form, kind, self.config, self.sims)
            if result.score < self.threshold:
                continue
            pid = int(self.index.profile_of[e])
            held = found.get(pid)
            if held is None or result.score > held.score:
                found[pid] = _Found(pid, e, result.score, result, "one-word name", [])
        for candidate in found.values():
            if best is None or (candidate.score, self.automaton.prominence.get(
                    candidate.pid, 0.0)) > (best.score,
                                            self.automaton.prominence.get(best.pid, 0.0)):
                best = candidate
        if best is not None:  # one organisation or vessel on several lists
            best.merged = [f.pid for f in found.values() if f is not best
                           and self.kinds[f.entity] == self.kinds[best.entity]
                           and f.score >= best.score - TIE]
        return best

    def _vessel_cue(self, tokens: list[Token], i: int) -> bool:
        for j in range(max(0, i - 2), i):
            if self._norm(tokens[j].text) in VESSEL_CUES:
                return True
        return False

    def _anchor(self, token: str) -> bool:
        """Whether a token is a family name few listed people bear (and no ordinary word),
        beside which another spelling of a given name is worth looking for."""
        found = self._anchors.get(token)
        if found is None:
            found = token not in self.automaton.ordinary and token in self.automaton.surnames \
                and len(self._surname_profiles(token)) <= MAX_ANCHOR_PROFILES
            self._anchors[token] = found
        return found

    def _surname_profiles(self, token: str) -> list[int]:
        """The profiles of the listed people bearing a family name, most prominent first."""
        pids = self._holders.get(token)
        if pids is None:
            profile_of = self.index.profile_of
            pids = sorted({int(profile_of[e]) for e in self.automaton.surnames.get(token, ())},
                          key=lambda p: -self.automaton.prominence.get(p, 0.0))
            self._holders[token] = pids
        return pids

    def _surname(self, token: str, title: str | None) -> _Found | None:
        """The party a surname never introduced means, when it is distinctive."""
        holders = self.automaton.surnames.get(token)
        if not holders:
            return None
        profile_of = self.index.profile_of
        pids = self._surname_profiles(token)
        if len(pids) > MAX_SURNAME_PROFILES:
            return None
        prominence = self.automaton.prominence
        top = pids[0]
        score = SURNAME_SCORE
        if len(pids) > 1 and prominence.get(top, 0.0) < PROMINENCE_RATIO * prominence.get(
                pids[1], 0.0):
            if len(pids) > MAX_AMBIGUOUS_PROFILES:
                return None
            score = AMBIGUOUS_SURNAME_SCORE
        entity = next(e for e in holders if int(profile_of[e]) == top)
        if title and self._norm(title.split()[-1]) in self.automaton.offices.get(top, ()):
            score += TITLE_BONUS
        return _Found(top, entity, score, None, "surname only", pids[1:6])

    # -- scripts without spaces ----------------------------------------------------

    def _scan_spaceless(self, text: str, mentions: list[Mention]) -> None:
        """Names the lists write in Chinese, Japanese, Thai...: found inside the words of
        those scripts, as written (see `text.spaceless`)."""
        if not is_spaceless(text):
            return
        names = self.automaton.spaceless
        if self._spaceless_sizes is None:
            self._spaceless_sizes = sorted({len(k) for k in names}, reverse=True)
        taken = [(m.start, m.end) for m in mentions]
        for start, end, key in find_names(text, names, self._spaceless_sizes):
            if any(s < end and start < e for s, e in taken):
                continue
            found = self._spaceless_party(names[key])
            matched = next(self.index.forms[f].original for f in names[key]
                           if int(self.index.form_entity[f]) == found.entity)
            mentions.append(self._mention(text, start, end, found,
                                          {"kind": "name", "matched": matched}))

    def _spaceless_party(self, fids: tuple[int, ...]) -> _Found:
        """The party a name written without spaces stands for: the most prominent
        bearing it; organisations of that name on several lists are one party."""
        prominence = self.automaton.prominence
        by_pid: dict[int, int] = {}
        for fid in fids:
            e = int(self.index.form_entity[fid])
            by_pid.setdefault(int(self.index.profile_of[e]), e)
        ranked = sorted(by_pid, key=lambda p: -prominence.get(p, 0.0))
        top = ranked[0]
        found = _Found(top, by_pid[top], 1.0, None, "name", [])
        kind = self.kinds[found.entity]
        if kind != PERSON:
            found.merged = [p for p in ranked[1:] if self.kinds[by_pid[p]] == kind]
        found.others = [p for p in ranked[1:] if p not in found.merged][:5]
        return found

    # -- results ---------------------------------------------------------------------

    def _profile(self, pid: int) -> dict[str, Any]:
        found = self._profiles.get(pid)
        if found is not None:
            return found
        index = self.index
        members = index.profiles[pid]
        lead = index.parties[index.profile_lead[pid]]
        designations = []
        seen = set()
        for m in members:
            for d in index.designations[m]:
                item = {k: d.get(k) for k in ("source", "ref", "regime", "listed",
                                              "entity_id", "authority")}
                key = tuple(sorted((k, str(v)) for k, v in item.items()))
                if key not in seen:
                    seen.add(key)
                    designations.append(item)
        found = {"entity_id": lead.id or "", "caption": lead.caption or "",
                 "schema": lead.schema or "", "profile_id": index.profile_ids[pid],
                 "entity_ids": [index.parties[m].id or "" for m in members],
                 "designations": designations}
        self._profiles[pid] = found
        return found

    def _mention(self, text: str, start: int, end: int, found: _Found,
                 evidence: dict[str, Any]) -> Mention:
        profile = self._profile(found.pid)
        evidence = {**evidence, "matched_entity_id": self.index.parties[found.entity].id}
        designations = profile["designations"]
        entity_ids = profile["entity_ids"]
        if found.merged:
            extra = [self._profile(p) for p in found.merged]
            designations = designations + [d for x in extra for d in x["designations"]]
            entity_ids = entity_ids + [i for x in extra for i in x["entity_ids"]]
            evidence["same_name_profiles"] = [{"profile_id": x["profile_id"],
                                               "caption": x["caption"]} for x in extra]
        if found.match is not None:
            evidence["explanation"] = found.match.describe()
        if found.others and "also_bearing_it" not in evidence:
            evidence["also_possible"] = [self._profile(p)["caption"] for p in found.others]
        return Mention(start=start, end=end, text=text[start:end],
                       entity_id=profile["entity_id"], caption=profile["caption"],
                       score=round(found.score, 4), designations=designations,
                       evidence=evidence, schema=profile["schema"],
                       profile_id=profile["profile_id"], entity_ids=entity_ids)


_BRITISH = ((re.compile(r"([cf])ence$"), r"\1ense"), (re.compile(r"our$"), "or"),
            (re.compile(r"tre$"), "ter"), (re.compile(r"is(e|ation)$"), r"iz\1"),
            (re.compile(r"gramme$"), "gram"))


def _us_spelling(word: str) -> str:
    """A British spelling as the American word lists have it ("defence" -> "defense",
    "centre" -> "center", "organisation" -> "organization")."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


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


def _joining(token: Token) -> bool:
    """A word that joins the words of a name but begins none, unless it is a particle
    written capitalised ("Abu Bakr al-Baghdadi", "Van Dyke"; not "of" or "The")."""
    word = token.text.lower()
    return word in CONNECTORS and not (token.capitalised and word in PARTICLES)


def _trim(chunk: list[int], tokens: list[Token]) -> list[int]:
    """A run without connectors at either end."""
    while chunk and tokens[chunk[-1]].text.lower() in CONNECTORS and \
            not tokens[chunk[-1]].capitalised:
        chunk = chunk[:-1]
    while chunk and tokens[chunk[0]].text.lower() in CONNECTORS and \
            not tokens[chunk[0]].capitalised and tokens[chunk[0]].text.lower() not in PARTICLES:
        chunk = chunk[1:]
    return chunk


def _matched(found: _Found) -> str | None:
    return found.match.candidate.original if found.match and found.match.candidate else None
