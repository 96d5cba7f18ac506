"""Find every mention of a listed party in running text, in any language and script.

```python
from watchlist.text import Scanner

scanner = Scanner.open()                 # the current store's index and name automaton
for m in scanner.scan(article):          # sorted by start
    print(m.start, m.end, m.text, m.caption, m.score, m.designations)
```

How a text is read (this module runs the steps; the rules of each live in the module named
beside it, and `mentions` writes out what is found):

1. Words are tokenised with their offsets (`tokens`); runs of capitalised words (and of
   words of scripts without case), joined by spaces, single line breaks, hyphens, initials
   and name particles ("bin", "van", "of"), are the places a name may be (`name_runs`).
2. Each word is looked up as written, as the nominatives it may inflect (`inflect`:
   "Путина" -> putin, "Lukashenko's" -> lukashenko) and, for a word of five letters or
   more unknown to the lists standing beside one they know, as the list tokens one or
   two typos away ("Lukaschenko"); then every run of up to `max_tokens` words is looked
   up in the name automaton, longest first. Where nothing is found as written, a run of
   two or three words beside a family name few listed people bear is looked up once
   more with one word respelled as a list token ("Hassan Nasrallah" for "Hasan
   NASRALLAH", Ukrainian "Олександр Лукашенко" for "Aleksandr LUKASHENKO")
   (`candidates`, `surnames`).
3. A run found there is confirmed by scoring the words, as written, against the listed
   name form with the screening name comparison (`match.names.compare_forms`): a mention
   is a score at the threshold (0.80), and a weak alias must be written whole. A body
   named by a few common words ("Ministry of Defence") counts only for its own country
   when the text gives one ("Syria's", "of Syria"), and scores 0.6 when it gives none
   (`mention_scoring`).
4. A word standing alone (or after a title: "President Lukashenko") refers to the person
   introduced in full with that family name (the most prominent listed one, when several
   were: the others are named as also possible); a name introduced in full that is not
   listed ("Maria Kalesnikava") makes the surname alone refer to them, so it is not
   reported (`coreference`). A surname never introduced is reported only when it is
   distinctive: not an ordinary word nor a country's name, and one profile bearing it
   stands out (a head of state, or the most listed record by far: 0.6, 0.7 after a title
   that is its office), or at most three profiles bear it (0.5, naming the others). A
   one-word organisation name ("Belaruskali") of four letters or more is reported when it
   is not an ordinary word; a one-word vessel name only after a word such as "tanker" or
   "MV". Organisations of the same name on several lists are one mention with every
   designation (`mention_scoring`).
5. Names the lists write in a script without spaces (Chinese, Japanese, Thai) are found
   inside the words of such text as written, traditional and simplified characters alike
   (`spaceless`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from watchlist.index.build import Index, open_index
from watchlist.index.search import CandidateSearch
from watchlist.match.model import DEFAULT_THRESHOLD
from watchlist.match.names import DEFAULT_CONFIG, Sims
from watchlist.match.prepare import PERSON, kind_of
from watchlist.match.symbols import set_runtime
from watchlist.text.automaton import NameAutomaton, open_automaton
from watchlist.text.candidates import Alt, WordLookup
from watchlist.text.coreference import Introduced, reference
from watchlist.text.inflect import EXACT, FEMININE, own_token
from watchlist.text.mention_scoring import MentionScorer
from watchlist.text.mentions import Found, Mention, MentionWriter, matched
from watchlist.text.name_runs import (
    CONNECTORS,
    TITLE_WORDS,
    joining,
    name_runs,
    title_before,
    vessel_cue,
)
from watchlist.text.spaceless import find_names, is_spaceless
from watchlist.text.surnames import Surnames
from watchlist.text.tokens import Token, tokenize

if TYPE_CHECKING:
    from watchlist.ownership.screening import OwnershipSource

__all__ = ["Scanner"]

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
        self.words = WordLookup(index, self.automaton, self.sims, self.search)
        self.surnames = Surnames(index, self.automaton)
        self.scoring = MentionScorer(index, self.automaton, self.kinds, self.config,
                                     self.sims, self.threshold, self.surnames)
        self.writer = MentionWriter(index)
        self._spaceless_sizes: list[int] | None = None
        #: The parties owned or controlled by listed ones (`Scanner.open` sets it).
        self.ownership: OwnershipSource | None = None
        self._phrases: tuple[Any, Any] | None = None
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
                from watchlist.ownership.screening import OwnershipSource

                found.ownership = OwnershipSource(store)
                _CACHE.clear()
                _CACHE[index.key] = found
        return found

    @property
    def versions(self) -> list[dict[str, Any]]:
        return self.index.versions

    # -- scanning --------------------------------------------------------------------

    def scan(self, text: str) -> list[Mention]:
        """Every mention of a listed party in text, sorted by start."""
        if not text:
            return []
        tokens = tokenize(text)
        mentions: list[Mention] = []
        introduced = Introduced()
        for chunk in name_runs(tokens):
            self._scan_chunk(text, tokens, chunk, introduced, mentions)
        if self.automaton.spaceless and not text.isascii():
            self._scan_spaceless(text, mentions)
        mentions += self._owned(text, tokens, mentions)
        mentions.sort(key=lambda m: (m.start, -m.end))
        return mentions

    def _owned(self, text: str, tokens: list[Token], listed: list[Mention]) -> list[Mention]:
        """Mentions of parties not listed but blocked by ownership or control, where no
        listed party's mention covers the words already."""
        view = self.ownership.get() if self.ownership is not None else None
        if view is None:
            return []
        from watchlist.names.normalize import normalize_text
        from watchlist.ownership.mentions import find, phrases

        if self._phrases is None or self._phrases[0] is not view:
            self._phrases = (view, phrases(view))
        words = [normalize_text(t.text) for t in tokens]
        found = []
        for first, after, party in find(words, self._phrases[1]):
            start, end = tokens[first].start, tokens[after - 1].end
            if any(m.start < end and start < m.end for m in listed):
                continue
            findings = view.findings(party)
            if not findings:
                continue
            best = findings[0].to_dict()
            best["other_rules"] = [f.rule for f in findings[1:]]
            found.append(Mention(start, end, text[start:end], party, findings[0].name, 1.0, [],
                                 {"ownership": best["explanation"]}, "LegalEntity", party,
                                 [party], basis="ownership", ownership=best))
        return found

    def _scan_chunk(self, text: str, tokens: list[Token], chunk: list[int],
                    introduced: Introduced, mentions: list[Mention]) -> None:
        """The names in one run of words: every run of up to `max_tokens` words named in
        full, longest first, then the words left over."""
        if not chunk:
            return
        alts = [self.words.alternatives(tokens[i].text) for i in chunk]
        if len(chunk) > 1:  # legal forms ("OAO", "Ltd") may close or open a name
            for k, known in enumerate(alts):
                if not known:
                    norm = own_token(tokens[chunk[k]].text)
                    if self.words.legal(norm):
                        alts[k] = (Alt(norm, norm, EXACT, legal=True),)
        if len(chunk) > 1:  # a typo in one word of a name whose other words are known
            for k, known in enumerate(alts):
                if not known and ((k and alts[k - 1] and not alts[k - 1][0].fuzzy) or (
                        k + 1 < len(alts) and alts[k + 1])):
                    alts[k] = self.words.typos(tokens[chunk[k]].text)
        covered = [False] * len(chunk)
        p = 0
        limit = self.automaton.max_tokens
        while p < len(chunk):
            if joining(tokens[chunk[p]]):
                p += 1
                continue
            taken = 0
            sizes = range(min(limit, len(chunk) - p), 1, -1) if alts[p] else range(0)
            for size in sizes:
                if not all(alts[p:p + size]) or tokens[chunk[p + size - 1]].text.lower() \
                        in CONNECTORS:
                    continue
                run = self.scoring.full_name(tokens, chunk[p:p + size], alts[p:p + size],
                                             introduced.pids)
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
              alts: list[tuple[Alt, ...]], run: Found, introduced: Introduced,
              mentions: list[Mention]) -> None:
        """Report a name found in full and introduce its family name."""
        first, last = 0, len(positions) - 1
        while alts[first][0].legal:  # the name, without "OAO" or "Ltd"
            first += 1
        while alts[last][0].legal:
            last -= 1
        start, end = tokens[positions[first]].start, tokens[positions[last]].end
        evidence: dict[str, Any] = {"kind": "name", "matched": matched(run)}
        if not self.scoring.body_stands(text, tokens, positions[first], positions[last],
                                        run, evidence):
            return
        mentions.append(self.writer.mention(text, start, end, run, evidence))
        introduced.introduce(text, run, self.kinds[run.entity] == PERSON, tokens, positions,
                             alts, self.surnames, self.automaton.prominence)

    def _respelled(self, tokens: list[Token], chunk: list[int],
                   alts: list[tuple[Alt, ...]], p: int, introduced: Introduced
                   ) -> tuple[int, Found, list[tuple[Alt, ...]]] | None:
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
                       if any(self.surnames.anchor(a.lookup) for a in options)}
            if not anchors or sum(1 for options in window if not options) > 1:
                continue
            for j, word in enumerate(words):
                if not anchors - {j}:
                    continue  # the family name beside it stays as written
                beside = {a.lookup for k in anchors - {j} for a in window[k]}
                extra = self.words.respellings(word.text, beside)
                if not extra:
                    continue
                trial = [*window[:j], extra, *window[j + 1:]]
                run = self.scoring.full_name(tokens, chunk[p:p + size], trial,
                                             introduced.pids)
                if run is not None:
                    return size, run, trial
        return None

    # -- words left over -------------------------------------------------------------

    def _leftovers(self, text: str, tokens: list[Token], chunk: list[int],
                   alts: list[tuple[Alt, ...]], covered: list[bool],
                   introduced: Introduced, mentions: list[Mention]) -> None:
        """Words not part of a full name: runs split at titles; a run of one word is a
        surname or a one-word name, a longer run a name not on the lists."""
        run: list[int] = []
        titles: list[int] = []
        for k in [*range(len(chunk)), None]:
            word = None if k is None else tokens[chunk[k]]
            norm = "" if word is None else own_token(word.text)
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
             alts: list[tuple[Alt, ...]], run: list[int], titles: list[int],
             introduced: Introduced, mentions: list[Mention]) -> None:
        """A run of words left over: a person's name on no list (introducing their
        surname), or words each standing alone."""
        if len(run) > 1:
            given = self.automaton.given
            norms = [own_token(tokens[chunk[k]].text) for k in run]
            known = self.automaton.tokens
            ordinary = self.automaton.ordinary
            words = [tokens[chunk[k]] for k in run]
            if any(given.get(n, 0) > len(self.automaton.surnames.get(n, ())) or (
                    n not in known and n not in ordinary and n.isalpha() and len(n) > 1
                    and not w.all_caps and not self.words.legal(n))
                   for n, w in zip(norms, words, strict=True)):
                introduced.introduce_unlisted((alts[k] for k in run), given,
                                              tokens[chunk[run[0]]].start,
                                              tokens[chunk[run[-1]]].end)
                return
        for k in run:
            self._single(text, tokens, chunk[k], alts[k], titles, introduced, mentions)

    def _single(self, text: str, tokens: list[Token], i: int, alts: tuple[Alt, ...],
                titles: list[int], introduced: Introduced,
                mentions: list[Mention]) -> None:
        """One word standing alone: a surname, or a one-word name."""
        token = tokens[i]
        if token.initial:
            return
        if not alts:  # "Lukaschenkos" after "Alexander Lukaschenko": the same spelling
            alts = introduced.written_spellings(token.text)
            if not alts:
                return
        title = title_before(tokens, i, titles)
        intro = introduced.referent(token, alts, self.automaton.ordinary)
        if intro is not None:
            referred = reference(intro, title)
            if referred is not None:
                mentions.append(self.writer.mention(text, token.start, token.end, *referred))
            return
        ordinary = self.automaton.ordinary
        if token.text.isascii() and own_token(token.text) in ordinary:
            alts = tuple(a for a in alts if a.grade == EXACT)  # "Jamie" is not "Jami" + e
        for a in alts:
            if a.fuzzy or a.lookup in ordinary or a.grade == FEMININE:
                continue
            fids = self.automaton.bags.get(a.lookup, ())
            named = self.scoring.one_word_name(tokens, i, a, fids)
            if named is not None:
                mentions.append(self.writer.mention(text, token.start, token.end, named, {
                    "kind": "one-word name", "matched": matched(named)}))
                return
        for a in alts:
            if a.fuzzy or a.lookup in ordinary or a.grade == FEMININE or len(a.lookup) < 4 \
                    or a.lookup in self.automaton.places \
                    or self.automaton.given.get(a.lookup, 0) > len(
                        self.automaton.surnames.get(a.lookup, ())):
                continue
            alone = None if vessel_cue(tokens, i) else self.scoring.lone_surname(a.lookup,
                                                                                 title)
            if alone is not None:
                evidence: dict[str, Any] = {"kind": "surname only",
                                            "note": "not introduced in full in the text"}
                if title:
                    evidence["title"] = title
                if alone.others:
                    evidence["also_bearing_it"] = [self.writer.profile(p)["caption"]
                                                   for p in alone.others]
                mentions.append(self.writer.mention(text, token.start, token.end, alone,
                                                    evidence))
                introduced.introduce_alone(a.lookup, alone, token)
                return

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
            found = self.scoring.spaceless_party(names[key])
            matched_form = next(self.index.forms[f].original for f in names[key]
                                if int(self.index.form_entity[f]) == found.entity)
            mentions.append(self.writer.mention(text, start, end, found,
                                                {"kind": "name", "matched": matched_form}))
