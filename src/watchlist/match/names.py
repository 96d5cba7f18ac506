"""Name similarity by weighted token alignment, across scripts and spellings.

Two names are compared as lists of normalised Latin tokens, each with a rarity weight:

1. token similarity: equal tokens score 1; an initial matches a token it starts with
   ("V." ~ "Vladimir"); numbers are set aside (compared by `numbers_mismatch`); other
   tokens score their edit similarity (a transposition is one edit; one edit in a token of
   three letters is already a different name), raised when rigour knows them as forms of
   one name or nickname (Sergejs ~ Sergey, Bill ~ William, Intl ~ International), when
   they sound alike (same Metaphone key), or, for names written in Arabic or Hebrew
   script, when they share their consonants ("hsyn" ~ "hussein");
2. alignment: a token run written as one word on the other side is joined first
   ("VladimirPutin", "Mohammad Hasni" ~ "Mohammadhasni", "PLA" ~ "People's Liberation
   Army"); then the most similar pairs are taken greedily, one partner per token;
3. score: matched weight (times similarity) over matched weight, plus a share of the weight
   of tokens only one side has (a middle name or patronymic left out: a small share for
   people, a larger one for organisations, whose extra words often name a different
   company), plus a large share of the weight of tokens both sides have but disagree on
   (a different given name or family name is evidence of a different party, however many
   tokens agree). Person names whose aligned tokens are out of order beyond a rotation
   ("Salman bin Mohammed" vs "Mohammed bin Salman") lose a further share; names written in
   Chinese, Japanese or Korean characters must agree character for character (each
   character is a syllable: one different character is a different name).

Rare tokens weigh more than common ones, so "Hassan Mohammad" vs "Hassan Ahmad" is a
mild disagreement while "Lukashenko" vs "Lukashevich" is a strong one. The function is
symmetric: the two names are put in a canonical order before they are aligned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz.distance import OSA, Levenshtein
from rigour._core import metaphone

from watchlist.match.prepare import (
    PERSON,
    REGION_WORDS,
    NameForm,
    is_patronymic,
    place_words,
)
from watchlist.match.symbols import (
    PARTICLE_GROUPS,
    particle_group,
    token_symbols,
)
from watchlist.names.orgs import is_acronym_form
from watchlist.names.slavic import given_group, loose_key

__all__ = [
    "DEFAULT_CONFIG",
    "NameConfig",
    "NameMatch",
    "Sims",
    "pair_mode",
    "best_name_match",
    "numbers_differ",
    "compare_forms",
    "token_similarity",
]


@dataclass(frozen=True)
class NameConfig:
    """The tunable constants of name scoring (fitted on the development pairs; see docs)."""

    #: Token pairs below this similarity are never aligned.
    tau_low: float = 0.6
    #: Token pairs at or above this similarity count in full; between the two, partly.
    tau_high: float = 0.75
    #: Credit multiplier for a pair between tau_low and tau_high.
    weak_credit: float = 0.75
    #: The same for tokens of equal length (letters replaced, as typos mostly are, rather
    #: than a different ending: "Merkur" ~ "Merkel" but "Lukashevich" / "Lukashenko").
    weak_credit_same_length: float = 0.9
    #: Share of the weight of a token only one side has, in a person's name.
    extra_share: float = 0.2
    #: Share of the weight of a token only one side has, in an organisation's name.
    extra_share_org: float = 0.6
    #: Share of the weight of the tokens both sides have but disagree on.
    conflict_share: float = 2.5
    #: Multiplier when aligned person-name tokens are out of order beyond a rotation.
    order_factor: float = 0.85
    #: Multiplier when a name is the son's on one side and the father's on the other.
    lineage_factor: float = 0.7
    #: Similarity of an initial and a token it starts with.
    initial_sim: float = 0.9
    #: Score cap when nothing but initials agree ("N.N." vs "Nursultan Nazarbayev").
    initials_cap: float = 0.5
    #: Score cap when a one-part person name agrees with one part of a longer name.
    single_part_cap: float = 0.75
    #: Smallest disagreement weight: any differing part costs at least this much.
    conflict_floor: float = 0.5
    #: Similarity of two tokens rigour knows as forms of one name or nickname.
    symbol_sim: float = 0.9
    #: Similarity of a token and a longer one it begins (of at least four letters).
    prefix_sim: float = 0.8
    #: Similarity of two tokens that sound alike (same Metaphone key).
    phonetic_sim: float = 0.85
    #: Similarity of tokens with the same consonants, one from Arabic or Hebrew script.
    skeleton_sim: float = 0.75
    #: Similarity for a token equal to a run of tokens written apart, or their initials.
    joined_sim: float = 0.95
    #: Names this alike when written without spaces match at least this well.
    joined_floor: float = 0.9
    #: Multiplier for a match on a weak alias.
    weak_alias_factor: float = 0.9
    #: Weight share of an unmatched patronymic (often left out).
    patronymic_share: float = 0.5
    #: Weight share of an unmatched qualifier in brackets.
    qualifier_share: float = 0.3
    #: Share of the weight by which a token only one side has is more distinctive than
    #: every aligned token ("Ahmad Shah Massoud" / "Ahmad Shah": the rare part is missing).
    distinct_extra_share: float = 1.0
    #: Least similarity of two respelled tokens when one name is written in Chinese,
    #: Japanese or Korean characters (below it, a syllable differs: another character).
    syllabic_sim: float = 0.8
    #: Share of the weight of a syllable only one side has, when one name is so written.
    extra_share_syllabic: float = 0.6
    #: Score cap of organisation names whose only agreeing words are generic ones (a
    #: country, "Bank", "Trading") while other words are left over ("Bank Rossiya" /
    #: "Rossiya-24").
    generic_cap: float = 0.6


DEFAULT_CONFIG = NameConfig()

#: Scripts without vowels in writing: their Latin forms are compared by consonants too.
ABJAD_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana"})
#: Scripts whose every character is a syllable: names must agree character for character.
#: (Katakana is left out: it writes foreign names, whose romanisations vary.)
SYLLABIC_SCRIPTS = frozenset({"Han", "Hangul", "Hiragana", "Yi"})

_SKELETON = str.maketrans({"q": "k", "c": "k", "z": "s", "x": "ks", "p": "b", "g": "j",
                           **dict.fromkeys("aeiouywv'", "")})
#: Scripts in which a single letter may be an initial.
ALPHABETIC_SCRIPTS = frozenset({"Latin", "Cyrillic", "Greek", "Armenian", "Georgian"})

#: Comparison modes: a name written in an abjad, or in a syllabic script, is involved.
ABJAD, SYLLABIC = 1, 2
_NON_LETTERS = re.compile(r"[\W_]+")


_DIGRAPH_H = re.compile(r"(?<=[bcdfgjklmnpqrstvwxz])h")


_VOWEL = re.compile(r"[aeiou]")
#: Token -> its skeleton, remembered (up to a number of tokens).
_SKELETONS: dict[str, str] = {}


def _skeleton(token: str) -> str:
    """The consonant skeleton of a token: vowels, y, w, v dropped, doubles collapsed, and
    in a written-out (vowelled) token the h of a digraph (th, sh, kh) dropped too."""
    found = _SKELETONS.get(token)
    if found is not None:
        return found
    text = _DIGRAPH_H.sub("", token) if _VOWEL.search(token) else token
    out: list[str] = []
    for char in text.translate(_SKELETON):
        if not out or out[-1] != char:
            out.append(char)
    if len(_SKELETONS) >= 200_000:
        _SKELETONS.clear()
    found = _SKELETONS[token] = "".join(out)
    return found


def pair_mode(query: NameForm, candidate: NameForm) -> int:
    """The comparison mode of two forms: ABJAD and/or SYLLABIC when either is written so."""
    mode = 0
    if query.script in ABJAD_SCRIPTS or candidate.script in ABJAD_SCRIPTS:
        mode |= ABJAD
    if query.script in SYLLABIC_SCRIPTS or candidate.script in SYLLABIC_SCRIPTS:
        mode |= SYLLABIC
    return mode


def token_similarity(a: str, b: str, config: NameConfig = DEFAULT_CONFIG,
                     mode: int = 0) -> float:
    """Similarity in [0, 1] of two normalised tokens (numbers: only equal ones).

    In SYLLABIC mode (a name written in Chinese, Japanese or Korean characters) a short
    romanised syllable matches only itself (another syllable is another character), and
    rigour's name groups are not used; in ABJAD mode (Arabic, Hebrew script) tokens with
    the same consonants are alike. A patronymic and a name, or a man's and a woman's form
    of one name, are below `tau_low` (never aligned); below it, the value says nothing
    more (those checks are left out there, being the costliest part)."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if la == 1 or lb == 1:
        if a[0] == b[0] and not a.isdigit() and not b.isdigit():
            return config.initial_sim
        return 0.0
    if a.isdigit() or b.isdigit():
        return 0.0
    patronymic, abd_a, end_a = _TRAITS.get(a) or _token_traits(a)
    patronymic_b, abd_b, end_b = _TRAITS.get(b) or _token_traits(b)
    group = PARTICLE_GROUPS.get(a)
    if group is not None and group == PARTICLE_GROUPS.get(b):
        return 1.0
    gendered = (a[-1] == "a") != (b[-1] == "a")
    stems = _stems_of(a, abd_a, end_a, b, abd_b, end_b) \
        if abd_b is not None or end_b is not None else None
    sim = 0.0
    if stems is None:
        sim = _spelling_similarity(a, b, la, lb, patronymic, config, mode)
        if sim < config.tau_low:
            return sim
    if patronymic != patronymic_b:
        return 0.0  # a father's name is not the given name or surname it is formed from
    if gendered and _gendered_pair(a, b):
        return 0.5  # Alejandro / Alejandra, Yevgeniy / Yevgeniya: a man's and a woman's name
    if stems is not None:  # "Hamidullah" / "Waliullah": only the stems tell them apart
        return token_similarity(stems[0], stems[1], config, mode)
    return sim


def _spelling_similarity(a: str, b: str, la: int, lb: int, patronymic: bool,
                         config: NameConfig, mode: int) -> float:
    """How alike two different tokens are written, sound or are known to be."""
    longest = la if la > lb else lb
    shortest = lb if la > lb else la
    distance = OSA.distance(a, b)
    sim = 1.0 - distance / longest
    if "x" in a or "x" in b:  # Alexander ~ Aleksandr, Maxim ~ Maksim: x is written ks
        ax, bx = a.replace("x", "ks"), b.replace("x", "ks")
        sim = max(sim, 1.0 - OSA.distance(ax, bx) / max(len(ax), len(bx)))
    if longest <= (6 if mode & SYLLABIC else 3) or shortest <= 3:
        sim = min(sim, 0.5)  # one letter of (or added to) a short token is another name
    elif shortest >= 4 and shortest >= 0.6 * longest and (
            a.startswith(b) or b.startswith(a)) and not patronymic:
        sim = max(sim, config.prefix_sim)  # a name cut short ("Abiy" ~ "Abiyot")
    elif la != lb and shortest >= 4 and (a[-1] == "s") != (b[-1] == "s"):
        # a Baltic or plural ending ("Sergejs" ~ "Sergej", "Holdings" ~ "Holding")
        a2, b2 = (a[:-1], b) if a[-1] == "s" else (a, b[:-1])
        stem = 1.0 - OSA.distance(a2, b2) / max(len(a2), len(b2))
        sim = max(sim, stem - 0.05)
    if mode & SYLLABIC and sim < config.syllabic_sim:
        return min(sim, 0.5)  # "junhong" / "junzheng": another character, another name
    if sim >= config.symbol_sim:
        return sim
    if not mode & SYLLABIC:
        sa = token_symbols(a)
        if sa and not sa.isdisjoint(token_symbols(b)):
            return config.symbol_sim
    if sim >= config.phonetic_sim:
        return sim
    if sim >= 0.65 and la >= 5 and lb >= 5 and not mode & SYLLABIC:
        key = metaphone(a)
        if key and len(key) >= 3 and key == metaphone(b):
            return config.phonetic_sim
    if mode & ABJAD and sim < config.skeleton_sim:
        sk = _skeleton(a)
        if len(sk) >= 3 and sk == _skeleton(b):
            return config.skeleton_sim
    return sim


#: Endings of Arabic compound names ("Nazir-ullah", "Shams-uddin"), longest first.
_COMPOUND_ENDINGS = ("ullah", "allah", "ulla", "uddin", "eddin", "addin", "uddeen", "udin")


#: Masculine family-name endings whose feminine adds "a" (Lebedev / Lebedeva, Putin /
#: Putina, Zhukovsky / Zhukovskaya): the same family, so such pairs stay alike.
_FAMILY_ENDINGS = ("ov", "ev", "in", "yn", "sky", "skiy", "skii", "ski", "skyi")


def _gendered_pair(a: str, b: str) -> bool:
    """True for a man's and a woman's form of one given name ("Aleksandr" / "Aleksandra",
    "Daniel" / "Daniela", "Yevgeniy" / "Yevgeniya", in any romanisation: "Yevhenia"; and
    "Alejandro" / "Alejandra" when both are names rigour knows, as different names: not
    "Mustafo", the Tajik form of "Mustafa"; when screening, rigour is asked only about the
    tokens of the index, so a query's -o name the lists lack is not told apart)."""
    if a[-1] == "a" and b[-1] != "a":
        fem, mas = a, b
    elif b[-1] == "a" and a[-1] != "a":
        fem, mas = b, a
    else:
        return False
    if len(mas) < 4 or fem.endswith("skaya"):
        return False
    if mas.endswith(_FAMILY_ENDINGS):  # Putin / Putina, unless both are given names
        given_m, given_f = given_group(mas), given_group(fem)
        return given_m is not None and given_f is not None and given_m != given_f
    if "x" in mas or "x" in fem:  # Alexandr / Aleksandra
        mas, fem = mas.replace("x", "ks"), fem.replace("x", "ks")
    if mas[-1] == "o":
        if mas[:-1] != fem[:-1]:
            return False
        known_m, known_f = token_symbols(mas), token_symbols(fem)
        return bool(known_m) and bool(known_f) and known_m.isdisjoint(known_f)
    if fem[0] != mas[0]:  # "Yevgeniy" / "Evgenia": ye- and e- write one sound
        fem, mas = fem.removeprefix("y"), mas.removeprefix("y")
    stem = fem[:-2] if fem.endswith(("ya", "ia")) else fem[:-1]
    if mas == fem[:-1] or (mas[-1] == "y" and mas[:-1] == fem[:-1]):
        return True
    if not mas.endswith(("y", "iy", "ii", "ij", "i")):
        return False
    mas_stem, fem_stem = mas.rstrip("iyj"), stem.rstrip("iy")
    return mas_stem == fem_stem or (len(mas_stem) >= 4 and
                                    loose_key(mas_stem) == loose_key(fem_stem))


def _abd_stem(token: str) -> str | None:
    """The name after "Abd" (servant of) and its article: "abdurrahim", "abdulrahim",
    "abdel rahim" -> "rahim"; None for a token not so built."""
    if not token.startswith("abd") or len(token) < 7:
        return None
    rest = token[3:]
    if rest[0] in "aeiou":
        rest = rest[1:]
    if rest[:1] == "l" or rest[:1] == rest[1:2]:
        rest = rest[1:]  # the article, or its assimilated form ("ur-rahim")
    return rest if len(rest) >= 3 else None


def _compound_ending(token: str) -> str | None:
    """The compound-name ending a token has ("-ullah", "-uddin", or "-uddina" as an Indic
    script romanises it with its unwritten final vowel); the endings exclude each other,
    so a token has at most one."""
    if token[-1] not in "ahn":  # how every ending below ends
        return None
    for end in _COMPOUND_ENDINGS:
        if token.endswith(end):
            return end
        if end[-1] != "a" and token.endswith(end + "a"):
            return end + "a"
    return None


#: Token -> its traits, remembered (up to a number of tokens).
_TRAITS: dict[str, tuple[bool, str | None, str | None]] = {}


def _token_traits(token: str) -> tuple[bool, str | None, str | None]:
    """(patronymic, "Abd" stem, compound ending) of a token: computed once per token, not
    once per pair of tokens compared (remembered in `_TRAITS`)."""
    found = _TRAITS.get(token)
    if found is None:
        if len(_TRAITS) >= 200_000:
            _TRAITS.clear()
        found = _TRAITS[token] = (is_patronymic(token), _abd_stem(token),
                                  _compound_ending(token))
    return found


def _stems_of(a: str, abd_a: str | None, end_a: str | None,
              b: str, abd_b: str | None, end_b: str | None) -> tuple[str, str] | None:
    """The distinctive stems of two compound names built alike ("Abd-X" and "Abd-Y",
    "X-ullah" and "Y-ullah"), whose shared part would otherwise make them look alike."""
    if abd_a is not None and abd_b is not None:
        return (abd_a, abd_b) if abd_a != abd_b else None
    if end_a is None or end_a != end_b:
        return None
    ra, rb = a[:-len(end_a)], b[:-len(end_a)]
    return (ra, rb) if len(ra) >= 3 and len(rb) >= 3 and ra != rb else None


class Pair(NamedTuple):
    """Aligned tokens: indices on each side and their similarity."""

    q: tuple[int, ...]
    c: tuple[int, ...]
    sim: float


@dataclass
class NameMatch:
    """The outcome of comparing two name forms, with what explains it."""

    score: float
    query: NameForm | None = None
    candidate: NameForm | None = None
    pairs: list[Pair] = field(default_factory=list)
    extra_query: list[str] = field(default_factory=list)
    extra_candidate: list[str] = field(default_factory=list)
    conflict: bool = False
    notes: list[str] = field(default_factory=list)
    numbers_query: tuple[str, ...] = ()
    numbers_candidate: tuple[str, ...] = ()

    @property
    def query_exact(self) -> bool:
        """Every part of the query's name is in the candidate's as written (not a weak alias;
        the candidate may have more parts)."""
        if self.query is None or self.candidate is None or self.score <= 0.0 \
                or self.query.weak or self.candidate.weak \
                or any(n.startswith("characters differ") for n in self.notes):
            return False
        found = {i for p in self.pairs if p.sim >= 1.0 and len(p.q) == len(p.c) == 1
                 and self.query.tokens[p.q[0]] == self.candidate.tokens[p.c[0]]
                 for i in p.q}
        return all(i in found or t.isdigit() and t in self.numbers_candidate
                   for i, t in enumerate(self.query.tokens))

    def describe(self) -> str:
        """One line: the aligned tokens, the tokens one side lacks, and the penalties."""
        if self.query is None or self.candidate is None:
            return "no name to compare"
        qt, ct = self.query.tokens, self.candidate.tokens
        parts = []
        for pair in sorted(self.pairs, key=lambda p: p.q):
            left = " ".join(qt[i] for i in pair.q)
            right = " ".join(ct[j] for j in pair.c)
            parts.append(left if left == right and pair.sim >= 1.0
                         else f"{left}~{right} ({pair.sim:.2f})")
        text = ", ".join(parts) or "nothing aligned"
        if self.conflict:
            text += "; differing: " + " / ".join(
                (" ".join(self.extra_query), " ".join(self.extra_candidate)))
        else:
            extras = self.extra_query + self.extra_candidate
            if extras:
                text += "; only one side: " + " ".join(extras)
        for note in self.notes:
            text += f"; {note}"
        return text


class Sims:
    """Memoised token similarity for one run of comparisons."""

    __slots__ = ("cache", "config")

    def __init__(self, config: NameConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.cache: dict[tuple[str, str, int], float] = {}

    def __call__(self, a: str, b: str, mode: int = 0) -> float:
        key = (a, b, mode) if a <= b else (b, a, mode)
        found = self.cache.get(key)
        if found is None:
            found = token_similarity(a, b, self.config, mode)
            if len(self.cache) >= 200_000:
                self.cache.clear()
            self.cache[key] = found
        return found


def _may_join(left: tuple[str, ...], lfree: list[bool], right: tuple[str, ...],
              rfree: list[bool], acronyms: int) -> bool:
    """A quick test: can any free token of `left` be a run of `right` joined or initials?"""
    sizes = sorted(len(t) for t, free in zip(right, rfree, strict=True) if free)
    if len(sizes) < 2:
        return False
    shortest = sizes[0] + sizes[1] - 2
    return any(free and (len(t) >= shortest or 2 <= len(t) <= acronyms)
               for t, free in zip(left, lfree, strict=True))


def _joined(left: tuple[str, ...], lfree: list[bool], right: tuple[str, ...],
            rfree: list[bool], config: NameConfig, acronyms: int) -> list[Pair]:
    """Tokens of `left` equal to a run of 2-3 free tokens of `right` written apart, or to
    the initials of such a run (for acronyms of at most `acronyms` letters)."""
    n = len(right)
    lengths = [len(t) for t in right]
    runs = [(j, size, sum(lengths[j:j + size])) for size in (2, 3)
            for j in range(n - size + 1) if all(rfree[j:j + size])]
    if not runs:
        return []
    found: list[Pair] = []
    for i, token in enumerate(left):
        if not lfree[i] or len(token) < 2 or token.isdigit():
            continue
        size_t = len(token)
        for j, size, total in runs:
            near = total == size_t or (size_t >= 5 and abs(total - size_t) <= 2)
            initials = size_t == size <= acronyms
            if not (near or initials) or not all(rfree[j:j + size]):
                continue
            hit: Pair | None = None
            if near:
                joined = "".join(right[j:j + size])
                if joined == token:
                    hit = Pair((i,), tuple(range(j, j + size)), config.joined_sim)
                elif size_t >= 5:
                    sim = 1.0 - OSA.distance(token, joined) / max(size_t, total)
                    if sim >= 0.85:
                        hit = Pair((i,), tuple(range(j, j + size)),
                                   min(config.joined_sim, sim))
            if hit is None and initials and all(
                    lengths[k] > 1 and right[k][0] == token[k - j] for k in range(j, j + size)):
                hit = Pair((i,), tuple(range(j, j + size)), config.initial_sim)
            if hit is not None:
                lfree[i] = False
                for k in hit.c:
                    rfree[k] = False
                found.append(hit)
                break
    return found


def _descents(pairs: list[Pair], qw: tuple[float, ...]) -> int:
    """How often the candidate position goes back when the distinctive aligned tokens are
    read in query order (a rotation, surname first or last, goes back at most once)."""
    ordered = sorted((p for p in pairs if max(qw[i] for i in p.q) > 0.25),
                     key=lambda p: p.q[0])
    count = 0
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        if cur.c[0] < prev.c[0]:
            count += 1
    return count


_FILIAL = frozenset({"bin", "bint", "ould"})
_FILIAL_TOKENS = frozenset(t for t, g in PARTICLE_GROUPS.items() if g in _FILIAL)


def _lineage(tokens: tuple[str, ...]) -> tuple[set[int], set[int]]:
    """Positions of the tokens before ("son of") and after ("of father") each filial
    particle (bin, ibn, ben, bint, ould)."""
    sons: set[int] = set()
    fathers: set[int] = set()
    for k, token in enumerate(tokens):
        if particle_group(token) in _FILIAL:
            if k > 0 and particle_group(tokens[k - 1]) is None:
                sons.add(k - 1)
            if k + 1 < len(tokens):
                fathers.add(k + 1)
    return sons, fathers


def _reversed_lineage(query: tuple[str, ...], candidate: tuple[str, ...],
                      pairs: list[Pair]) -> bool:
    """True when a name given as the son's on one side is the father's on the other
    ("Salman bin Muhammad" vs "Muhammad bin Salman")."""
    if _FILIAL_TOKENS.isdisjoint(query) or _FILIAL_TOKENS.isdisjoint(candidate):
        return False
    qs, qf = _lineage(query)
    if not qs and not qf:
        return False
    cs, cf = _lineage(candidate)
    if not cs and not cf:
        return False
    q_son, q_father = qs - qf, qf - qs
    c_son, c_father = cs - cf, cf - cs
    for pair in pairs:
        if len(pair.q) == 1 and len(pair.c) == 1:
            i, j = pair.q[0], pair.c[0]
            if (i in q_son and j in c_father) or (i in q_father and j in c_son):
                return True
    return False


def _joined_similarity(query: NameForm, candidate: NameForm) -> float:
    """Similarity of the two names written without spaces, in their given order, when
    they differ by no more than one letter dropped or doubled ("Kim Jong-uun")."""
    a, b = "".join(query.tokens), "".join(candidate.tokens)
    if len(a) < 6 or len(b) < 6 or abs(len(a) - len(b)) > 1:
        return 0.0
    distance = Levenshtein.distance(a, b, score_cutoff=1)
    if distance > 1 or (distance == 1 and len(a) == len(b)):
        return 0.0
    return 1.0 - distance / max(len(a), len(b))


def _generic(token: str, weight: float, places: frozenset[str]) -> bool:
    """A word of an organisation's name that many parties share: weak, or a place."""
    return weight <= 0.2 or token in places


def _extra_factor(token: str, index: int, minor: tuple[int, ...], person: bool,
                  config: NameConfig) -> float:
    """How much of its weight a token only one side has counts: a patronymic, a qualifier
    in brackets ("Deutsche Bank (Schweiz) AG") or the region an organisation's branch is
    named for ("Faberlic Europe") counts less. A country does not: a bank's national arm
    is a legal entity of its own ("Banco Santander" / "Banco Santander México")."""
    if index in minor or not person and token in REGION_WORDS:
        return config.qualifier_share
    if person and _token_traits(token)[0]:
        return config.patronymic_share
    return 1.0


def _short_form(form: NameForm) -> bool:
    """A name of two letters, or a weak alias of three ("JI", "GI"): too short to be told
    from the initials of other names, so it matches only itself."""
    if form.script not in ALPHABETIC_SCRIPTS:
        return False
    limit = 3 if form.weak else 2
    letters = 0
    for token in form.tokens:
        if not token.isdigit():
            letters += len(token)
            if letters > limit:
                return False
    return letters > 0


def _syllables(form: NameForm) -> str:
    return _NON_LETTERS.sub("", form.original)


def compare_forms(query: NameForm, candidate: NameForm, kind: str = PERSON,
                  config: NameConfig = DEFAULT_CONFIG, sims: Sims | None = None
                  ) -> NameMatch:
    """Compare two name forms; symmetric in its two arguments (up to the explanation)."""
    sims = sims or Sims(config)
    if (query.tokens, query.original) > (candidate.tokens, candidate.original):
        result = _compare(candidate, query, kind, config, sims)
        return NameMatch(
            result.score, result.candidate, result.query,
            [Pair(p.c, p.q, p.sim) for p in result.pairs],
            result.extra_candidate, result.extra_query, result.conflict, result.notes,
            result.numbers_candidate, result.numbers_query,
        )
    return _compare(query, candidate, kind, config, sims)


def _compare(query: NameForm, candidate: NameForm, kind: str, config: NameConfig,
             sims: Sims) -> NameMatch:
    qt, ct = query.tokens, candidate.tokens
    factor = config.weak_alias_factor if (query.weak or candidate.weak) else 1.0
    notes: list[str] = []
    if query.weak or candidate.weak:
        notes.append("weak alias")
    if query.script in SYLLABIC_SCRIPTS and candidate.script in SYLLABIC_SCRIPTS:
        qs, cs = _syllables(query), _syllables(candidate)
        if qs != cs:
            cap = Levenshtein.normalized_similarity(qs, cs) * 0.9
            notes.append(f"characters differ ({query.script})")
            factor = min(factor, cap)
    if is_acronym_form(qt, query.original) and is_acronym_form(ct, candidate.original):
        return NameMatch(0.0, query, candidate, notes=["two acronyms of longer names"])
    short = _short_form(query)
    if short != _short_form(candidate) or (short and "".join(qt) != "".join(ct)):
        return NameMatch(0.0, query, candidate, [], list(qt), list(ct), True,
                         [*notes, "a short form matches only itself"])
    if qt == ct:
        return NameMatch(factor, query, candidate,
                         [Pair((i,), (i,), 1.0) for i in range(len(qt))], notes=notes)
    qfree = [not t.isdigit() for t in qt]
    cfree = [not t.isdigit() for t in ct]
    qnum = tuple(t for t in qt if t.isdigit())
    cnum = tuple(t for t in ct if t.isdigit())
    pairs: list[Pair] = []
    # equal tokens first, in order, so repeated tokens pair up by position
    cpos: dict[str, list[int]] = {}
    for j, token in enumerate(ct):
        if cfree[j]:
            cpos.setdefault(token, []).append(j)
    for i, token in enumerate(qt):
        if not qfree[i]:
            continue
        slots = cpos.get(token)
        if slots:
            j = slots.pop(0)
            pairs.append(Pair((i,), (j,), 1.0))
            qfree[i] = False
            cfree[j] = False
    if any(qfree) and any(cfree):
        acronyms = 2 if kind == PERSON else 3
        if len(ct) > 1 and _may_join(qt, qfree, ct, cfree, acronyms):
            pairs.extend(_joined(qt, qfree, ct, cfree, config, acronyms))
        if len(qt) > 1 and _may_join(ct, cfree, qt, qfree, acronyms):
            pairs.extend(Pair(p.c, p.q, p.sim)
                         for p in _joined(ct, cfree, qt, qfree, config, acronyms))
    if any(qfree) and any(cfree):
        mode = pair_mode(query, candidate)
        q_initials = query.script in ALPHABETIC_SCRIPTS
        c_initials = candidate.script in ALPHABETIC_SCRIPTS
        options = []
        for i, a in enumerate(qt):
            if not qfree[i] or (len(a) == 1 and not q_initials):
                continue
            for j, b in enumerate(ct):
                if cfree[j] and (len(b) > 1 or c_initials):
                    sim = sims(a, b, mode)
                    if sim >= config.tau_low:
                        options.append((-sim, abs(i - j), i, j))
        options.sort()
        for neg, _, i, j in options:
            if qfree[i] and cfree[j]:
                qfree[i] = False
                cfree[j] = False
                pairs.append(Pair((i,), (j,), -neg))
    extra_q = [qt[i] for i in range(len(qt)) if qfree[i]]
    extra_c = [ct[j] for j in range(len(ct)) if cfree[j]]
    if not pairs:
        return NameMatch(0.0, query, candidate, [], extra_q, extra_c, True, notes,
                         qnum, cnum)

    qw, cw = query.weights, candidate.weights
    credit = 0.0
    matched = 0.0
    top = 0.0
    initials_only = True
    places = place_words() if kind != PERSON else frozenset()
    generic_only = bool(places)
    for pair in pairs:
        weight = (sum(qw[i] for i in pair.q) + sum(cw[j] for j in pair.c)) / 2.0
        top = max(top, weight)
        if generic_only and not (len(pair.q) == 1 and _generic(qt[pair.q[0]], weight, places)):
            generic_only = False
        sim = pair.sim
        if sim < config.tau_high:
            same_length = len(pair.q) == len(pair.c) == 1 and \
                len(qt[pair.q[0]]) == len(ct[pair.c[0]])
            sim *= config.weak_credit_same_length if same_length else config.weak_credit
        credit += weight * sim
        matched += weight
        if initials_only and not (len(pair.q) == 1 and len(qt[pair.q[0]]) == 1
                                  or len(pair.c) == 1 and len(ct[pair.c[0]]) == 1):
            initials_only = False

    person = kind == PERSON
    uq = uq_extra = uc = uc_extra = 0.0
    excess = 0.0
    for i in range(len(qt)):
        if qfree[i]:
            uq += qw[i]
            factor_i = _extra_factor(qt[i], i, query.minor, person, config)
            uq_extra += qw[i] * factor_i
            if factor_i == 1.0:  # a patronymic or qualifier left out is usual
                excess += max(0.0, qw[i] - top)
    for j in range(len(ct)):
        if cfree[j]:
            uc += cw[j]
            factor_j = _extra_factor(ct[j], j, candidate.minor, person, config)
            uc_extra += cw[j] * factor_j
            if factor_j == 1.0:
                excess += max(0.0, cw[j] - top)
    conflict = uq >= 0.2 and uc >= 0.2
    share = config.extra_share if person else config.extra_share_org
    if person and pair_mode(query, candidate) & SYLLABIC:
        share = config.extra_share_syllabic
    if conflict:
        disagreement = max(config.conflict_floor, (uq + uc) / 2.0)
        denominator = matched + config.conflict_share * disagreement
    else:
        denominator = matched + share * (uq_extra + uc_extra) \
            + config.distinct_extra_share * excess
    score = credit / denominator if denominator > 0 else 0.0
    if initials_only:
        score = min(score, config.initials_cap)
        notes.append("only initials agree")
    elif generic_only and (uq or uc or sorted(qnum) != sorted(cnum)) and not (
            qnum and sorted(qnum) == sorted(cnum)):
        score = min(score, config.generic_cap)
        notes.append("only generic words agree")
    elif person and len(pairs) == 1 and not conflict and max(uq, uc) >= 0.2 \
            and min(len(qt), len(ct)) == 1:
        score = min(score, config.single_part_cap)
        notes.append("one name part only")
    if person and _reversed_lineage(qt, ct, pairs):
        notes.append("son and father reversed")
        score *= config.lineage_factor
    elif person and len(pairs) >= 3 and _descents(pairs, qw) >= 2:
        notes.append("out of order")
        score *= config.order_factor
    if score < config.joined_floor and len(qt) + len(ct) > 2 and not any(
            _gendered_pair(a, b) for a in extra_q for b in extra_c):
        joined = _joined_similarity(query, candidate)
        if joined >= config.joined_floor and joined > score:
            notes.append(f"alike written without spaces ({joined:.2f})")
            score = joined
    return NameMatch(min(1.0, score * factor), query, candidate, pairs, extra_q, extra_c,
                     conflict, notes, qnum, cnum)


def numbers_differ(match: NameMatch) -> float:
    """How much the numbers in two matched names disagree: 1.0 when both have numbers and
    they differ ("Trust 2004-1" vs "Trust 2004-2"), 0.5 when only one has any, else 0."""
    q, c = match.numbers_query, match.numbers_candidate
    if not q and not c:
        return 0.0
    if not q or not c:
        return 0.5
    return 0.0 if sorted(q) == sorted(c) else 1.0


def best_name_match(queries: list[NameForm], candidates: list[NameForm], kind: str,
                    config: NameConfig = DEFAULT_CONFIG, sims: Sims | None = None
                    ) -> NameMatch:
    """The best comparison over every pair of forms (on a tie, the one whose numbers agree)."""
    best = NameMatch(0.0)
    rank = -1.0
    sims = sims or Sims(config)
    for q in queries:
        for c in candidates:
            result = compare_forms(q, c, kind, config, sims)
            value = result.score - 0.2 * numbers_differ(result)
            if value > rank:
                best, rank = result, value
                if value >= 1.0:
                    return best
    return best

