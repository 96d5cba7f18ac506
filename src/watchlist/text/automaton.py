"""The name dictionary a text is scanned with: every way the names of the lists are written
in prose, as token sequences, built from the screening index.

Each name form of each current target (already in every usual Latin spelling, titles and
legal forms off; see `watchlist.index`) enters under its tokens sorted, so that a name is
found in either order ("Lukashenko Aleksandr" as "Aleksandr Lukashenko"). A person's name
also enters without its patronymic, as given and family name alone, with the given names as
initials ("A. G. Lukashenko", "A. Lukashenko"), and, when the family name has two words,
with the first alone ("Nicolas Maduro" for "Nicolas MADURO MOROS"). Scanning looks up each
run of up to `max_tokens` words as one hash lookup: a dictionary automaton over tokens, the
equivalent of Aho-Corasick with the token order left free. Alongside: the family names of
people from their strong names (for a surname alone), the ordinary words among name tokens
(never a name by themselves), the words that name a country or its people, the words
written beside each family name (for other spellings of a given name), and how prominent
each profile is (a surname alone means the most prominent party bearing it).

Names written in Chinese, Japanese, Thai and other scripts without spaces are kept apart,
as strings to find inside running text (`spaceless`).

The automaton is persisted next to the index (`<key>.names`) and loaded in well under a
second; building it from a loaded index takes a few seconds.
"""

from __future__ import annotations

import gzip
import heapq
import json
import logging
import os
import pickle
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from watchlist.index.build import Index, index_dir
from watchlist.match.prepare import PARTICLES, PERSON, is_patronymic, kind_of
from watchlist.names.normalize import name_tokens, normalize_text
from watchlist.names.parts import FAMILY_PARTICLES, person_parts
from watchlist.normalize.countries import country_code
from watchlist.text.spaceless import is_spaceless, name_keys

__all__ = ["FORMAT", "NameAutomaton", "automaton_path", "build_automaton", "open_automaton"]

log = logging.getLogger(__name__)

#: Bump when the persisted layout or what enters the dictionary changes.
FORMAT = 11

#: Word lists whose most frequent words are ordinary words, and how many of each to take.
_ORDINARY_LANGUAGES = (("en", 20000), ("ru", 8000), ("de", 8000), ("fr", 8000),
                       ("es", 8000))

#: Longest name (in tokens) looked up as a whole.
MAX_TOKENS = 8

#: Offices of a head of state or government: a surname alone in the news most often means
#: the listed party holding one ("Putin", "Lukashenko").
_HEAD = re.compile(r"^(?:president|prime minister|supreme leader|head of state|king|emir|"
                   r"chairman of the state affairs commission)\s+of\s+(?:the\s+)?(.+)$",
                   re.IGNORECASE)


@dataclass
class NameAutomaton:
    """Token-bag dictionary of every name variant, with what a scanner needs beside it."""

    key: str
    bags: dict[str, tuple[int, ...]]
    tokens: frozenset[str]
    max_tokens: int
    surnames: dict[str, tuple[int, ...]]
    given: dict[str, int]
    ordinary: frozenset[str]
    prominence: dict[int, float]
    offices: dict[int, frozenset[str]]
    kinds: list[str] = field(default_factory=list)
    places: dict[str, str] = field(default_factory=dict)
    spaceless: dict[str, tuple[int, ...]] = field(default_factory=dict)
    partners: dict[str, frozenset[str]] = field(default_factory=dict)
    build_seconds: float = 0.0
    format: int = FORMAT
    stats: dict[str, Any] = field(default_factory=dict)

    def lookup(self, tokens: Iterable[str]) -> tuple[int, ...]:
        """The form ids whose variant has exactly these tokens, in any order."""
        return self.bags.get(" ".join(sorted(tokens)), ())


@lru_cache(maxsize=1 << 16)
def _family(original: str) -> frozenset[str]:
    try:
        return frozenset(person_parts(original).family)
    except Exception:  # noqa: BLE001 - a name we cannot parse has no known family part
        return frozenset()


def family_positions(tokens: tuple[str, ...], original: str) -> list[int]:
    """Positions of the family-name tokens of a person's name form (by the signals
    `person_parts` reads in the original: a comma, upper case, a patronymic; else last)."""
    family = _family(original)
    found = [i for i, t in enumerate(tokens) if t in family]
    if found:
        return found
    canonical = [t for t in name_tokens(original) if not (len(t) == 1 and t.isalpha())]
    if family and len(canonical) == len(tokens):
        found = [i for i, t in enumerate(canonical) if t in family]
        if found:
            return found
    guess = _family(" ".join(tokens))
    return [i for i, t in enumerate(tokens) if t in guess] or [len(tokens) - 1]


def _person_variants(tokens: tuple[str, ...], family: list[int]) -> set[tuple[str, ...]]:
    """The ways a person's name form is written in prose (see the module docstring)."""
    variants = {tokens}
    # a family name may end like a patronymic ("Oleg Leonidovich GAIDUKEVICH"): it stays
    patronymic = {i for i, t in enumerate(tokens) if i not in family and is_patronymic(t)}
    short = tuple(t for i, t in enumerate(tokens) if i not in patronymic)
    if 2 <= len(short) < len(tokens):
        variants.add(short)
    if len(short) >= 3:
        variants.add((short[0], short[-1]))
    given = [i for i, t in enumerate(tokens)
             if i not in family and i not in patronymic and t not in PARTICLES]
    if given and family and len(tokens) >= 2:
        def initial(i: int, t: str) -> str:
            return t if i in family or len(t) == 1 or t in PARTICLES else t[0]

        variants.add(tuple(initial(i, t) for i, t in enumerate(tokens)))
        variants.add(tuple(initial(i, t) for i, t in enumerate(tokens)
                           if i not in patronymic))
        if patronymic:  # "Aleksandr Grigoryevich": given name and patronymic, the Russian
            variants.add(tuple(t for i, t in enumerate(tokens) if i not in family))
        if len(family) >= 2:  # "Nicolas MADURO MOROS": prose names the first surname only
            first = tokens[family[0]]
            variants.add((*(tokens[i] for i in given), first))
            variants.add((tokens[given[0]], first))
    return {v for v in variants if len(v) >= 2 or len(tokens) == 1}


@lru_cache(maxsize=1)
def _ordinary_words() -> frozenset[str]:
    """The most frequent words of several languages (pyspellchecker's word lists, drawn
    from film subtitles, where the names of the news are rare), as normalised tokens."""
    words: set[str] = set()
    for language, count in _ORDINARY_LANGUAGES:
        try:
            resource = files("spellchecker") / "resources" / f"{language}.json.gz"
            with resource.open("rb") as handle:
                frequency = json.loads(gzip.decompress(handle.read()))
        except (ImportError, OSError, ValueError) as exc:
            log.warning("word list %s unreadable: %s", language, exc)
            continue
        for word in heapq.nlargest(count, frequency, key=frequency.__getitem__):
            token = word if word.isascii() else normalize_text(word)
            if token and " " not in token:
                words.add(token)
    return frozenset(words)


#: Country words the registry's names miss, and the endings of the words for a country's
#: people, checked against the country names before use ("syria" + "n", "china" - "a" +
#: "ese").
_PLACE_WORDS = ("uk", "usa", "uae", "britain", "british", "england", "english", "scotland",
                "scottish", "wales", "welsh", "holland", "dutch", "french", "swiss", "greek",
                "turkish", "danish", "swedish", "finnish", "spanish", "polish", "irish",
                "thai", "burma", "persia", "saudi", "emirati", "afghan", "lebanese",
                "filipino", "norwegian", "peruvian", "argentine", "belgian", "hungarian")
_PEOPLE_ENDINGS = ("n", "an", "ian", "ese", "i", "ish", "ic")


def country_words(words: Iterable[str] = ()) -> dict[str, str]:
    """The words that name a country or its people ("ukraine", "british", "syrian"), and
    those among these words that name one in any language ("rossiya"), with the country's
    code: read once when the automaton is built, as the territory names take seconds to
    load."""
    from followthemoney.types import registry

    names = {n for n in (normalize_text(name) for name in registry.country.names.values())
             if " " not in n and n.isalpha()} | set(_PLACE_WORDS)
    candidates = set(names)
    for name in names:  # their people: "russian", "syrian", "ukrainian", "iraqi", "chinese"
        stems = {name, name[:-1]} if name[-1] in "aeiouy" else {name}
        for stem in stems:
            candidates.update(stem + end for end in _PEOPLE_ENDINGS if end and
                              len(stem + end) >= 5)
        if name.endswith("y"):
            candidates.add(name[:-1])  # "german"
    candidates.update(w for w in words if len(w) >= 5 and w.isalpha())
    out: dict[str, str] = {}
    for word in candidates:
        code = (country_code(word) or "").split("-")[0]  # "england": gb-eng -> gb
        if len(code) == 2 and code != "zz":
            out[word] = code
    return out


def _head_of_state(office: str) -> bool:
    match = _HEAD.match(office.strip())
    if not match or "former" in office.lower():
        return False
    place = re.sub(r"\s+(?:since|from|\().*$", "", match.group(1)).strip(" .;,")
    return country_code(place) is not None or country_code(
        re.sub(r"^republic of\s+", "", place, flags=re.IGNORECASE)) is not None


def _offices(index: Index, store: Any) -> dict[int, list[str]]:
    """Positions and notes of each listed person, by entity index (read from the store)."""
    wanted = {int(v["id"]) for v in index.versions}
    versions = [v for v in store.versions() if v.id in wanted] if hasattr(
        store, "versions") else [v for v in store.serving() if v.id in wanted]
    out: dict[int, list[str]] = defaultdict(list)
    for entity in store.iter_entities(versions, targets_only=True, schemata=("Person",)):
        e = index.by_id.get(entity.id)
        if e is None:
            continue
        for prop in ("position", "notes"):
            out[e].extend(v for v in entity.get(prop, quiet=True) if len(v) < 300)
    return out


def build_automaton(index: Index, store: Any = None) -> NameAutomaton:
    """The name dictionary of an index; with the store, offices make heads of state known."""
    started = time.perf_counter()
    bags: dict[str, list[int]] = defaultdict(list)
    surnames: dict[str, set[int]] = defaultdict(set)
    given: dict[str, set[int]] = defaultdict(set)
    forms_of: dict[int, int] = defaultdict(int)
    kinds = [kind_of(p.schema) for p in index.parties]
    spaceless: dict[str, list[int]] = defaultdict(list)
    for fid, form in enumerate(index.forms):
        e = int(index.form_entity[fid])
        if is_spaceless(form.original):
            for key in name_keys(form.original):
                if all(int(index.form_entity[f]) != e for f in spaceless[key]):
                    spaceless[key].append(fid)
        tokens = tuple(form.tokens)
        if not tokens or len(tokens) > MAX_TOKENS:
            continue
        forms_of[e] += 1
        if kinds[e] == PERSON:
            family = family_positions(tokens, form.original)
            # a one-word alias says nothing of family names, nor does a weak alias
            # ("Abu Adam from Germany")
            if len(tokens) >= 2 and not form.weak:
                for i in family:
                    token = tokens[i]
                    if len(token) >= 3 and not token.isdigit() \
                            and token not in FAMILY_PARTICLES and "of" not in tokens[:i]:
                        surnames[token].add(e)  # not "Kirill of Moscow": a see, a place
                for i, token in enumerate(tokens):
                    if i not in family and len(token) > 1 and not is_patronymic(token):
                        given[token].add(e)
            variants = _person_variants(tokens, family)
        else:
            variants = {tokens}
        for variant in variants:
            key = " ".join(sorted(variant))
            slot = bags[key]
            if not slot or slot[-1] != fid:
                slot.append(fid)
    vocabulary: set[str] = set()
    partners: dict[str, set[str]] = defaultdict(set)  # the words beside each family name
    short_names: set[str] = set()  # the words of organisations' names of 1-3 words
    for key, fids in bags.items():
        words = key.split()
        vocabulary.update(words)
        for word in words:
            if word in surnames:
                partners[word].update(w for w in words if w != word)
        if len(words) <= 3 and kinds[int(index.form_entity[fids[0]])] != PERSON:
            short_names.update(words)
    ordinary = _ordinary_words()
    places = country_words(short_names)
    prominence: dict[int, float] = {}
    offices: dict[int, set[str]] = defaultdict(set)
    texts = _offices(index, store) if store is not None else {}
    for pid, members in enumerate(index.profiles):
        value = float(len(members)) + 0.01 * sum(forms_of[m] for m in members)
        for m in members:
            for office in texts.get(m, ()):
                if _head_of_state(office):
                    value += 3.0
                words = name_tokens(office)[:2]
                if words:
                    offices[pid].add(words[0])
                    offices[pid].add(" ".join(words))
        prominence[pid] = value
    automaton = NameAutomaton(
        key=index.key,
        bags={k: tuple(v) for k, v in bags.items()},
        tokens=frozenset(vocabulary),
        max_tokens=max((len(k.split()) for k in bags), default=1),
        surnames={t: tuple(sorted(es)) for t, es in surnames.items()},
        given={t: len(es) for t, es in given.items()},
        ordinary=ordinary,
        prominence=prominence,
        offices={p: frozenset(v) for p, v in offices.items()},
        kinds=kinds,
        places=places,
        spaceless={k: tuple(v) for k, v in spaceless.items()},
        partners={k: frozenset(v) for k, v in partners.items()},
    )
    automaton.build_seconds = time.perf_counter() - started
    automaton.stats = {"keys": len(automaton.bags), "tokens": len(automaton.tokens),
                       "surnames": len(automaton.surnames), "ordinary": len(ordinary),
                       "build_seconds": round(automaton.build_seconds, 2)}
    return automaton


def automaton_path(key: str, home: Path | None = None) -> Path:
    return index_dir(home) / f"{key}.names"


def _load(path: Path, key: str) -> NameAutomaton | None:
    try:
        with open(path, "rb") as handle:
            automaton = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError):
        return None
    if not isinstance(automaton, NameAutomaton) or automaton.format != FORMAT \
            or automaton.key != key:
        return None
    return automaton


def _save(automaton: NameAutomaton, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".names-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(automaton, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_automaton(index: Index, store: Any = None, rebuild: bool = False) -> NameAutomaton:
    """The automaton of an index: loaded from next to it, else built (and, with a store,
    saved there; stale ones of other index keys are removed)."""
    path = automaton_path(index.key)
    if not rebuild and store is not None:
        found = _load(path, index.key)
        if found is not None:
            return found
    automaton = build_automaton(index, store)
    if store is not None:
        try:
            _save(automaton, path)
            for old in path.parent.glob("*.names"):
                if old != path and not old.with_suffix(".idx").exists():
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not save the name automaton at %s: %s", path, exc)
    return automaton

