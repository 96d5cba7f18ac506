"""Name forms of Belarus, Ukraine and Russia: which tokens are one name in another convention.

The lists write one person in Belarusian, Ukrainian and Russian forms, each in several
romanisations: Aliaksandr / Oleksandr / Aleksandr / Alexander, Aleh / Oleh / Oleg, and the
patronymics and family names made from them (Aliaksandravich / Oleksandrovych /
Aleksandrovich; Lukashenka / Lukashenko; Ivanou / Ivanov; Hromov / Gromov). Three rules give
such tokens a shared symbol (a token comparison treats tokens sharing a symbol as one name):

* given names: the declared table of `slavic_table` (mined from the lists, reviewed);
* patronymics: the ending (-ovich, -avich, -ovych, -evna, -auna, -ivna, ...) cut off, the
  stem is looked up among the table's names by a loose key (vowels, h/g, kh/h, w/v, x/ks
  and j/y not told apart), and the gender of the ending kept;
* family names with a Slavic ending: the ending written one way (-ou/-au/-ow/-of(f) ->
  -ov, -yov/-iov -> -ev, -ka -> -ko, -skiy/-skii/-skyi/-ski -> -sky, -ei/-ej -> -ey,
  -ich/-itch -> -ych) and the stem by its loose key (Belarusian a for o, ie for e:
  Simanienka ~ Simonenko).
"""

from __future__ import annotations

import re
from functools import lru_cache

from watchlist.names.slavic_table import GIVEN_NAMES

__all__ = ["family_key", "given_group", "loose_key", "patronymic_of", "slavic_symbols"]


def _parse(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in table.strip().splitlines():
        group, form, _records, _example = line.split("\t")
        out[form] = group
    return out


#: Given-name form -> its group (the group's usual spelling).
_GIVEN: dict[str, str] = _parse(GIVEN_NAMES)

_VOWEL_RUN = re.compile(r"[aeiouy]+")
_DOUBLE = re.compile(r"(.)\1+")
_TRAILING_VOWELS = re.compile(r"[aeiouyj]+$")


def _loose(text: str) -> str:
    """A key not telling apart what the romanisations of one Cyrillic name differ in."""
    text = text.replace("kh", "h").replace("g", "h").replace("w", "v").replace("x", "ks")
    text = _VOWEL_RUN.sub("a", text.replace("j", "y"))
    return _DOUBLE.sub(r"\1", text)


def loose_key(text: str) -> str:
    """The key of a name part that its Cyrillic romanisations share ("yevhen", "evgen")."""
    return _loose(text)


def _stem_key(text: str) -> str:
    return _loose(_TRAILING_VOWELS.sub("", text))


def _stems() -> dict[str, str]:
    """Loose key of the stem of every given-name form -> its group. A form that is its own
    stem (Aleksandr) wins over one that had to lose an ending (Aleksandra); keys two groups
    share otherwise are left out."""
    found: dict[str, dict[bool, set[str]]] = {}
    for form, group in _GIVEN.items():
        key = _stem_key(form)
        if len(key) >= 2:
            whole = _TRAILING_VOWELS.search(form) is None
            found.setdefault(key, {True: set(), False: set()})[whole].add(group)
    out: dict[str, str] = {}
    for key, by_kind in found.items():
        groups = by_kind[True] or by_kind[False]
        if len(groups) == 1:
            out[key] = next(iter(groups))
    return out


_STEMS = _stems()

#: What every patronymic below ends with (checked before the pattern).
_PATRONYMIC_TAILS = ("ch", "ic", "na")
#: Patronymic endings, longest first: Russian, Belarusian and Ukrainian, masculine then
#: feminine (Belarusian -auna is -аўна).
_PATRONYMIC = re.compile(
    r"(?:[iy]?[eoa]v(?:ich|ych|itch|ic)|(?:ii|i|y)?[eoa]?[vw](?:ich|ych|itch)"
    r"|(?P<f>[iy]?[eoa][vw]na|[iy]?ivna|[aoe]u?na|[aoe]wna|ichna))$"
)


#: Given names at least this long are also known by their loose key ("valyantsina" as
#: "valiantsina"); shorter ones differ in a vowel too often ("ivan", "ivana").
_LOOSE_GIVEN_MIN = 6


def _loose_given() -> dict[tuple[str, bool], str]:
    """(loose key, ends in "a") of every long form -> its group. The ending is kept apart
    because the loose key loses it: "yevgeniy" and the woman's "yevgeniya" share a key."""
    found: dict[tuple[str, bool], set[str]] = {}
    for form, group in _GIVEN.items():
        if len(form) >= _LOOSE_GIVEN_MIN:
            found.setdefault((_loose(form), form.endswith("a")), set()).add(group)
    return {key: next(iter(groups)) for key, groups in found.items() if len(groups) == 1}


_LOOSE_GIVEN = _loose_given()


def given_group(token: str) -> str | None:
    """The given name a normalised token spells ("aliaksandr" -> "alexander"; a long
    spelling the table lacks by its loose key: "valyantsina" -> "valentina"), or None."""
    found = _GIVEN.get(token)
    if found is None and len(token) >= _LOOSE_GIVEN_MIN:
        found = _LOOSE_GIVEN.get((_loose(token), token.endswith("a")))
    return found


@lru_cache(maxsize=65536)
def patronymic_of(token: str) -> tuple[str, str] | None:
    """(given name, "m" or "f") of a patronymic ("aliaksandravich" -> ("alexander", "m");
    the loose key of its stem for a name the table lacks: "ivanovych" -> ("avan", "m")),
    or None for a token not shaped like a patronymic."""
    if len(token) < 7 or not token.endswith(_PATRONYMIC_TAILS):
        return None
    m = _PATRONYMIC.search(token)
    if m is None:
        return None
    stem = token[:m.start()]
    if len(stem) < 2:
        return None
    key = _stem_key(stem)
    if len(key) < 3:
        return None
    return _STEMS.get(key, key), "f" if m.group("f") else "m"


#: Family-name endings -> one spelling of each.
_FAMILY_ENDINGS = (
    (re.compile(r"(?:[iy](?:ov|ow|off))$"), "ev"),
    (re.compile(r"(?:ov|ow|off|of|ou|au)$"), "ov"),
    (re.compile(r"(?:[iy]?(?:ova|ava|owa))$"), "ova"),
    (re.compile(r"(?:[iy]?(?:eva|ewa))$"), "eva"),
    (re.compile(r"(?:[iy]?(?:ev|ew|eff|eu))$"), "ev"),
    (re.compile(r"(?:[iy]?en(?:ko|ka))$"), "enko"),
    (re.compile(r"(?:sk(?:iy|ii|yi|yy|ij|i|y))$"), "sky"),
    (re.compile(r"(?:sk(?:aya|aia|aja|a))$"), "skaya"),
    (re.compile(r"(?:[iy]?(?:ei|ey|ej))$"), "ey"),
    (re.compile(r"(?:[iy]?(?:ich|ych|itch))$"), "ych"),
)

#: The last two letters of every family-name ending above: a token ending otherwise has
#: none (checked before the patterns, which most tokens would fail one by one).
_FAMILY_TAILS = frozenset(
    "ov ow ff of ou au va wa ev ew eu ko ka iy ii yi yy ij ki ky ya ia ja ei ey ej ch".split()
)


@lru_cache(maxsize=65536)
def family_key(token: str) -> str | None:
    """One spelling of a family name with a Slavic ending ("ivanou", "ivanov" -> "ivanov";
    "hromov", "gromov" -> "hromov"), or None for a token without such an ending."""
    if len(token) < 5 or token[-2:] not in _FAMILY_TAILS or not token.isalpha():
        return None
    for pattern, ending in _FAMILY_ENDINGS:
        m = pattern.search(token)
        if m is not None and m.start() >= 3:
            return _loose(token[:m.start()]) + ending
    return None


@lru_cache(maxsize=65536)
def slavic_symbols(token: str) -> frozenset[str]:
    """The symbols a normalised token shares with its other Slavic forms: its given name,
    the given name and gender of a patronymic, the one spelling of a family name."""
    found: set[str] = set()
    group = given_group(token)
    if group is not None:
        found.add(f"SLAVIC:NAME:{group}")
    patronymic = patronymic_of(token)
    if patronymic is not None:
        found.add(f"SLAVIC:PATRONYMIC:{patronymic[0]}:{patronymic[1]}")
    elif group is None:
        family = family_key(token)
        if family is not None:
            found.add(f"SLAVIC:FAMILY:{family}")
    return frozenset(found)
