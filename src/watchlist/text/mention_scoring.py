"""Scoring of mentions: how sure the scanner is that words of a text name a listed party,
and which party when several bear the name.

A run of words is confirmed by scoring the words as written against each candidate name
form with the screening name comparison (`match.names.compare_forms`): a mention is a
score at the threshold, and a weak alias must be written whole. Among the parties reaching
it, a full name beats a given name and patronymic, then the higher score, then the more
prominent party; organisations (and vessels) of one name on several lists are one mention.
A body named by a few common words counts only for its own country when the text gives one.
A one-word organisation or vessel name, a surname never introduced and a name written in a
script without spaces have their own rules and scores, all here, so the scanner's figures
can be read and tuned in one place.
"""

from __future__ import annotations

import re
from typing import Any

from watchlist.index.model import Index
from watchlist.match.names import NameConfig, Sims, compare_forms
from watchlist.match.prepare import OBJECT, ORG, PERSON, NameForm, token_weight
from watchlist.names.scripts import main_script
from watchlist.text.automaton import NameAutomaton
from watchlist.text.candidates import Alt, name_candidates
from watchlist.text.inflect import FEMININE, own_token
from watchlist.text.mentions import Found
from watchlist.text.name_runs import CONNECTORS, vessel_cue
from watchlist.text.surnames import Surnames
from watchlist.text.tokens import BREAK, Token

__all__ = ["MentionScorer"]

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
#: A surname alone never introduced: at most this many profiles bear it; when the most
#: prominent is not this many times as prominent as the next, at most MAX_AMBIGUOUS.
MAX_SURNAME_PROFILES = 8
PROMINENCE_RATIO = 1.5
MAX_AMBIGUOUS_PROFILES = 3


class MentionScorer:
    """Confirms and ranks the parties words of a text may name (see the module docstring)."""

    def __init__(self, index: Index, automaton: NameAutomaton, kinds: list[str],
                 config: NameConfig, sims: Sims, threshold: float,
                 surnames: Surnames) -> None:
        self.index = index
        self.automaton = automaton
        self.kinds = kinds
        self.config = config
        self.sims = sims
        self.threshold = threshold
        self.surnames = surnames
        self._scripts: dict[str, str | None] = {}

    def _script(self, text: str) -> str | None:
        if text.isascii():
            return "Latin"
        found = self._scripts.get(text)
        if found is None:
            found = main_script(text)
            if len(self._scripts) < 200_000:
                self._scripts[text] = found
        return found

    def full_name(self, tokens: list[Token], positions: list[int],
                  alts: list[tuple[Alt, ...]], introduced: set[int]) -> Found | None:
        """The best listed party a run of words names in full, if any reaches the
        threshold; `introduced` holds the profiles the text has named already, preferred
        on a tie and needed for a given name and patronymic alone."""
        best: dict[int, Found] = {}
        raw = " ".join(tokens[i].text for i in positions)
        script = self._script(raw)
        for combo, fids in name_candidates(alts, self.automaton.bags):
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
                    e in self.surnames.bearers(a.lookup) for a in combo)
                held = best.get(pid)
                if held is None or (not partial, result.score) > (not held.partial,
                                                                  held.score):
                    best[pid] = Found(pid, e, result.score, result, "name", [], partial)
        if not best:
            return None
        ranked = sorted(best.values(), key=lambda f: (
            f.partial, -round(f.score, 3), -self.automaton.prominence.get(f.pid, 0.0)))
        top = ranked[0]
        ties = [f for f in ranked[1:] if round(f.score, 3) == round(top.score, 3)
                and f.partial == top.partial]
        if top.partial and len(ranked) > 1:  # "Aleksandr Grigoryevich": whose?
            chosen = [f for f in ranked if f.pid in introduced]
            if not chosen:
                return None
            top = chosen[0]
        elif ties:  # prefer the one the text introduced
            for f in [top, *ties]:
                if f.pid in introduced:
                    top = f
                    break
        if self.kinds[top.entity] != PERSON:  # one organisation on several lists
            top.merged = [f.pid for f in ranked if f is not top and self.kinds[f.entity]
                          == self.kinds[top.entity] and f.score >= top.score - TIE]
        top.others = [f.pid for f in ranked if f is not top and f.pid not in top.merged][:5]
        return top

    def one_word_name(self, tokens: list[Token], i: int, alt: Alt,
                      fids: tuple[int, ...]) -> Found | None:
        """The organisation (or, after a vessel cue, the vessel) word i names alone, if
        any reaches the threshold; a one-word person name is a surname (`lone_surname`)."""
        token = tokens[i]
        best: Found | None = None
        found: dict[int, Found] = {}
        for fid in fids:
            e = int(self.index.form_entity[fid])
            kind = self.kinds[e]
            if kind == PERSON:
                continue  # a one-word person name is a surname: see lone_surname
            if len(alt.lookup) < 4 or len(token.text) < 4:  # "ЦИК", "GRU": ambiguous
                continue
            if kind == OBJECT and not vessel_cue(tokens, i):
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
                found[pid] = Found(pid, e, result.score, result, "one-word name", [])
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

    def lone_surname(self, token: str, title: str | None) -> Found | None:
        """The party a surname never introduced means, when it is distinctive."""
        holders = self.automaton.surnames.get(token)
        if not holders:
            return None
        profile_of = self.index.profile_of
        pids = self.surnames.profiles(token)
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
        if title and own_token(title.split()[-1]) in self.automaton.offices.get(top, ()):
            score += TITLE_BONUS
        return Found(top, entity, score, None, "surname only", pids[1:6])

    def body_stands(self, text: str, tokens: list[Token], first: int, last: int,
                    found: Found, evidence: dict[str, Any]) -> bool:
        """Whether an organisation named in full by words first..last stands: a name of a
        few ordinary words counts only for its own country when the text gives one
        ("Britain's Ministry of Defence", "National Bank of Ukraine" do not), and scores
        at most GENERIC_SCORE, noted in the evidence, when the text gives none."""
        if self.kinds[found.entity] not in (PERSON, OBJECT) and self._generic(
                tokens, first, last):
            place = self._place_agrees(text, tokens, first, last, found)
            if place is False:
                return False
            if place is None:
                found.score = min(found.score, GENERIC_SCORE)
                evidence["note"] = "a name of ordinary words, with no country in the text"
        return True

    def _generic(self, tokens: list[Token], first: int, last: int) -> bool:
        """Whether words first..last name a kind of body rather than one body: at most
        three words, each an ordinary word or common in the lists' organisation names,
        none a place ("Ministry of Defence", "National Bank"; not "Central Bank of Russia",
        "Islamic Revolutionary Guard Corps")."""
        ordinary, places = self.automaton.ordinary, self.automaton.places
        words = [own_token(t.text) for t in tokens[first:last + 1]]
        words = [w for w in words if w not in CONNECTORS]
        return 0 < len(words) <= GENERIC_WORDS and all(
            w not in places and (w in ordinary or _us_spelling(w) in ordinary or token_weight(
                w, ORG, self.index.stats) <= GENERIC_WEIGHT) for w in words)

    def _place_agrees(self, text: str, tokens: list[Token], first: int, last: int,
                      found: Found) -> bool | None:
        """Whether the country the text gives an organisation (in its name, just before
        it: "Russia's", "Syrian", or just after it: "of Belarus") is one of the listed
        party's; None when the text gives none, or the lists give the party none."""
        places = self.automaton.places
        given = {places[n] for n in (own_token(t.text) for t in tokens[first:last + 1])
                 if n in places}
        if first > 0 and text[tokens[first - 1].end:tokens[first].start].strip() in (
                "", "'s", "’s"):
            code = places.get(own_token(tokens[first - 1].text))
            if code:
                given.add(code)
        after = last + 1
        if after < len(tokens) and tokens[after].text.lower() == "of" and \
                tokens[after].gap != BREAK:
            after += 1
            if after < len(tokens) and tokens[after].text.lower() == "the":
                after += 1
            if after < len(tokens) and tokens[after].gap != BREAK:
                code = places.get(own_token(tokens[after].text))
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

    def spaceless_party(self, fids: tuple[int, ...]) -> Found:
        """The party a name written without spaces stands for: the most prominent
        bearing it; organisations of that name on several lists are one party."""
        prominence = self.automaton.prominence
        by_pid: dict[int, int] = {}
        for fid in fids:
            e = int(self.index.form_entity[fid])
            by_pid.setdefault(int(self.index.profile_of[e]), e)
        ranked = sorted(by_pid, key=lambda p: -prominence.get(p, 0.0))
        top = ranked[0]
        found = Found(top, by_pid[top], 1.0, None, "name", [])
        kind = self.kinds[found.entity]
        if kind != PERSON:
            found.merged = [p for p in ranked[1:] if self.kinds[by_pid[p]] == kind]
        found.others = [p for p in ranked[1:] if p not in found.merged][:5]
        return found


_BRITISH = ((re.compile(r"([cf])ence$"), r"\1ense"), (re.compile(r"our$"), "or"),
            (re.compile(r"tre$"), "ter"), (re.compile(r"is(e|ation)$"), r"iz\1"),
            (re.compile(r"gramme$"), "gram"))


def _us_spelling(word: str) -> str:
    """A British spelling as the American word lists have it ("defence" -> "defense",
    "centre" -> "center", "organisation" -> "organization")."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word
