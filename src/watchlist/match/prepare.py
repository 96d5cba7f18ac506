"""Parties prepared for matching: names as weighted token forms, dates, countries, identifiers.

Both sides of a comparison go through the same preparation, so a list entry and a screening
query are compared like for like:

* every name is rendered in each of its usual Latin forms (`watchlist.names.latin_forms`),
  split into normalised tokens; person names lose their leading titles ("President",
  "Sheikh"), organisation names their legal forms ("OOO", "Limited", kept aside to compare
  separately), object names their prefixes ("MV", "M/V");
* every token gets a weight from its rarity over all the names of the lists (`TokenStats`):
  "lukashenko" weighs 1.0, "mohammad" about 0.4, "al" 0.2; generic organisation words
  ("company", "trading") never more than 0.2;
* dates stay ISO prefixes ("1954", "1954-08", "1954-08-30"), countries ISO codes, and
  identifiers upper-case letters and digits only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from followthemoney import EntityProxy, model

from watchlist.names.normalize import normalize_text
from watchlist.names.orgs import ORG_WEAK_WORDS, alternative_names, legal_form_spans
from watchlist.names.scripts import latin_forms, main_script
from watchlist.names.titles import split_titles

__all__ = [
    "ANY",
    "KINDS",
    "NAME_PROPS",
    "OBJECT",
    "ORG",
    "PERSON",
    "NameForm",
    "Party",
    "TokenStats",
    "compatible",
    "kind_of",
    "normalize_identifier",
    "place_words",
    "prepare_names",
]

PERSON, ORG, OBJECT, ANY = "person", "org", "object", "any"
KINDS = (PERSON, ORG, OBJECT, ANY)

#: Name properties, and whether a name from it is weak (a nickname, "weakAlias").
NAME_PROPS: dict[str, bool] = {
    "name": False, "alias": False, "previousName": False, "abbreviation": False,
    "weakAlias": True,
}  # fmt: skip

#: Properties holding a party's countries.
COUNTRY_PROPS = ("nationality", "citizenship", "country", "birthCountry", "jurisdiction",
                 "flag", "mainCountry")

#: Identifier properties; the value of any of them is compared with any other.
IDENTIFIER_PROPS = (
    "passportNumber", "idNumber", "taxNumber", "registrationNumber", "imoNumber", "mmsi",
    "swiftBic", "innCode", "ogrnCode", "leiCode", "vatCode", "dunsCode", "kppCode", "okpoCode",
    "uniqueEntityId", "socialSecurityNumber", "icaoCode", "serialNumber", "callSign", "permId",
    "bikCode", "npiCode", "cikCode",
)

#: Identifiers shorter than this are too ambiguous to compare ("1", "A12").
MIN_IDENTIFIER = 5

_OBJECT_PREFIXES = frozenset({"mv", "m v", "mt", "m t", "ss", "s s", "ms", "m s", "fv", "f v",
                              "my", "m y", "rv", "r v", "tb", "the"})

#: Person-name particles: parts of a name, but weak evidence of identity.
PARTICLES = frozenset(
    "al el bin ibn ben bint binti binte ould abu abou um umm de da do dos das di del della "
    "van von der den ter le la du mac mc st y e".split()
)

#: Patronymic endings (Russian, Ukrainian, Belarusian, Turkic "son of" / "daughter of")
#: of a token: such a part is often left out, so when unmatched it counts less.
_PATRONYMIC_ENDINGS = (
    "ovich", "evich", "ovych", "evych", "avich", "ovic", "evic", "ovna", "evna", "ivna",
    "ichna", "ovitch", "evitch", "ogly", "oglu", "ugli", "kyzy", "qizi", "uly", "uulu",
)


def kind_of(schema: str | None) -> str:
    """The kind of party a schema describes: person, org, object or any."""
    if not schema:
        return ANY
    try:
        sch = model.get(schema)
    except Exception:  # noqa: BLE001 - an unknown schema is "any"
        sch = None
    if sch is None:
        return ANY
    if sch.is_a("Person"):
        return PERSON
    if sch.is_a("Organization"):
        return ORG
    if sch.is_a("Vessel") or sch.is_a("Airplane") or sch.is_a("Asset"):
        return OBJECT
    return ANY


@lru_cache(maxsize=256)
def compatible(left: str | None, right: str | None) -> bool:
    """True when parties of these two schemata may be the same party.

    A person never matches a vessel or a company: one schema must be a kind of the other
    (a LegalEntity may be a Person; a Thing may be anything).
    """
    if not left or not right:
        return True
    try:
        a, b = model.get(left), model.get(right)
    except Exception:  # noqa: BLE001
        return True
    if a is None or b is None:
        return True
    return a.is_a(b) or b.is_a(a)


_IMO = re.compile(r"^IMO(\d{7})$")


def normalize_identifier(value: str) -> str:
    """An identifier as upper-case letters and digits ("ab 12-34/5" -> "AB12345"); an IMO
    number without its prefix ("IMO 9313149" -> "9313149")."""
    text = re.sub(r"[^0-9A-Z]", "", normalize_text(value).upper())
    m = _IMO.match(text)
    return m.group(1) if m else text


class TokenStats:
    """How rare each name token is over the names of the lists: the token weights.

    `weight(token)` is 1.0 for a token on at most `RARE` entities, falling with the log of
    its frequency to `FLOOR` for a token on `COMMON` entities or more. A token the lists
    never use weighs 1.0 (it is rare as far as the lists know).
    """

    RARE = 5
    COMMON = 2000
    FLOOR = 0.2

    def __init__(self, df: Mapping[str, int] | None = None, entities: int = 0,
                 key: str = "default") -> None:
        self.df: dict[str, int] = dict(df or {})
        self.entities = entities
        self.key = key
        self._cache: dict[str, float] = {}
        self._span = math.log(self.COMMON / self.RARE)

    @classmethod
    def from_token_sets(cls, token_sets: Iterable[Iterable[str]], key: str = "default"
                        ) -> TokenStats:
        """Stats from the set of tokens of each entity."""
        df: dict[str, int] = {}
        count = 0
        for tokens in token_sets:
            count += 1
            for token in set(tokens):
                df[token] = df.get(token, 0) + 1
        return cls(df, count, key)

    def __getstate__(self) -> dict[str, Any]:
        return {"df": self.df, "entities": self.entities, "key": self.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["df"], state["entities"], state["key"])  # type: ignore[misc]

    def weight(self, token: str) -> float:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        count = self.df.get(token, 0)
        if count <= self.RARE:
            value = 1.0
        else:
            frac = math.log(count / self.RARE) / self._span
            value = max(self.FLOOR, 1.0 - (1.0 - self.FLOOR) * frac)
        if len(token) == 1 and not token.isdigit():
            value = min(value, 0.3)  # an initial
        if len(self._cache) < 500_000:
            self._cache[token] = value
        return value


DEFAULT_STATS = TokenStats()


class NameForm(NamedTuple):
    """One Latin rendering of a name, ready to compare.

    `tokens` are the normalised tokens without titles or legal forms, `weights` their
    evidence weights, `legal` the canonical legal forms removed, `original` the name as
    written, `weak` True for a weak alias, `script` the main script of the original,
    `minor` the positions of qualifier tokens (written in brackets).
    """

    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    legal: tuple[str, ...]
    original: str
    weak: bool = False
    script: str | None = "Latin"
    minor: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _strip_object_prefix(tokens: list[str]) -> list[str]:
    for size in (2, 1):
        if len(tokens) > size and " ".join(tokens[:size]) in _OBJECT_PREFIXES:
            return tokens[size:]
    return tokens


def _split_legal(tokens: list[str]) -> tuple[list[str], list[str]]:
    spans = legal_form_spans(tokens)
    if not spans:
        return tokens, []
    removed = {i for start, end, _ in spans for i in range(start, end)}
    core = [t for i, t in enumerate(tokens) if i not in removed]
    return core, [canonical for _, _, canonical in spans]


_ROMAN = re.compile(r"^(?=[ivxl]{2,}$)(x{0,3}|xl)(ix|iv|v?i{0,3})$")
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


def _roman(token: str) -> int | None:
    if not _ROMAN.match(token):
        return None
    values = {"i": 1, "v": 5, "x": 10, "l": 50}
    total = 0
    for i, char in enumerate(token):
        value = values[char]
        if i + 1 < len(token) and values[token[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


def numbers_as_digits(tokens: list[str]) -> list[str]:
    """Organisation/object tokens with numbers in words, ordinals and Roman numerals as
    digits ("Brigade Forty Four" -> "brigade 44", "Fund VII" -> "fund 7", "1st" -> "1")."""
    out: list[str] = []
    i = 0
    last = len(tokens) - 1
    while i < len(tokens):
        token = tokens[i]
        if token in _TENS:
            value = _TENS[token]
            if i + 1 < len(tokens) and tokens[i + 1] in _UNITS:
                value += _UNITS[tokens[i + 1]]
                i += 1
            elif i + 1 < len(tokens) and len(tokens[i + 1]) == 1 and tokens[i + 1].isdigit():
                value += int(tokens[i + 1])
                i += 1
            out.append(str(value))
        elif token in _UNITS or token in _TEENS or token in _ORDINALS:
            out.append(str(_UNITS.get(token) or _TEENS.get(token) or _ORDINALS[token]))
        elif (m := _ORDINAL_SUFFIX.match(token)) is not None:
            out.append(m.group(1))
        elif i == last and i > 0 and token in ("i", "v", "x"):
            out.append({"i": "1", "v": "5", "x": "10"}[token])
        else:
            roman = _roman(token) if i > 0 and len(token) >= 2 else None
            out.append(str(roman) if roman else token)
        i += 1
    return out


#: Names of countries in their own languages, as transliterated in organisation names
#: ("Bank Rossiya", "Iran Air"): like the English ones, generic words there.
_ENDONYMS = frozenset(
    "rossiya rossii rossiyskaya rossiiskaya rossiiskoi rossiyskoy rossiyskiy rossiiskii rus "
    "ukraina ukrainy belarus belarusi belarusskaya belorusskaya iran irani suriya souria "
    "misr chosun choson joseon hanguk zhonghua zhongguo kitai sham".split()
)
#: Regions larger than a country that a group's branch is named for ("Faberlic Europe").
REGION_WORDS = frozenset(
    "europe asia america americas eurasia oceania pacific caribbean baltic nordic "
    "scandinavia balkans levant maghreb".split()
)
_PEOPLE_ENDINGS = ("n", "an", "ian", "ese", "i", "ish", "ic")


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Words naming a country, its people or a region ("russia", "russian", "rossiya",
    "europe"): generic words in organisation names, shared by many parties of a place."""
    from followthemoney.types import registry

    words: set[str] = set(_ENDONYMS) | REGION_WORDS
    for name in registry.country.names.values():
        for word in normalize_text(name).split():
            if len(word) < 4 or not word.isalpha() or word in ("island", "islands",
                                                               "republic", "saint"):
                continue
            words.add(word)
            stem = word[:-1] if word[-1] in "aeiouy" else word
            words.update(stem + end for end in _PEOPLE_ENDINGS if len(stem + end) >= 5)
            if word.endswith("y"):
                words.add(stem)  # "germany": "german"
    return frozenset(words)


def token_weight(token: str, kind: str, stats: TokenStats) -> float:
    """The evidence weight of a token in a name of this kind."""
    value = stats.weight(token)
    if kind in (ORG, ANY) and token in ORG_WEAK_WORDS:
        return min(value, 0.2)
    if kind == PERSON and token in PARTICLES:
        return min(value, 0.2)
    return value


@lru_cache(maxsize=65536)
def is_patronymic(token: str) -> bool:
    """True for a token shaped like a patronymic ("Grigoryevich", "Ivanovna", "Aliyev oglu")."""
    return len(token) > 5 and token.endswith(_PATRONYMIC_ENDINGS)


def _join_letters(tokens: list[str]) -> list[str]:
    """Runs of single letters joined into one token ("a b c company" -> "abc company")."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


_LEET = str.maketrans("0134578", "oieastb")
_LEET_9 = str.maketrans("9", "g")


def _unleet(token: str) -> str:
    """A person-name token mixing letters and digits with the digits read as the letters
    they look like ("Ig0r" -> "igor", "Sech1n" -> "sechin")."""
    if token.isalpha() or token.isdigit() or not any(c.isalpha() for c in token):
        return token
    return token.translate(_LEET).translate(_LEET_9)


def _strip_titles(tokens: list[str], person: bool, latin: bool) -> list[str]:
    """Tokens without their leading titles. In a name transliterated from another script a
    title of one or two letters is more likely a name ("عمر" Omar gives "mr")."""
    kept, titles = split_titles(tokens, person=person)
    if not latin and any(len(t) < 3 for t in titles):
        return tokens
    return kept


def form_tokens(form: str, kind: str, latin: bool = True) -> tuple[list[str], list[str]]:
    """(core tokens, legal forms) of one normalised Latin form of a name of this kind;
    `latin` is False when the name was written in another script."""
    tokens = form.split()
    legal: list[str] = []
    if kind == PERSON:
        tokens = _strip_titles([_unleet(t) for t in tokens], True, latin)
    elif kind == ORG:
        tokens, legal = _split_legal(tokens)
        tokens, more = _split_legal(_join_letters(tokens))
        legal += more
        tokens = numbers_as_digits(tokens)
    elif kind == ANY:
        tokens = _strip_titles(tokens, False, latin)
        tokens, legal = _split_legal(tokens)
        tokens, more = _split_legal(_join_letters(tokens))
        legal += more
    else:
        tokens = numbers_as_digits(_join_letters(_strip_object_prefix(tokens)))
    return tokens, legal


_ALTERNATIVES = re.compile(r"\s*/\s*")
_BRACKETS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


def _bracketed(name: str) -> set[str]:
    """Normalised tokens written only in brackets in a name ("Deutsche Bank (Schweiz) AG")."""
    if "(" not in name and "[" not in name:
        return set()
    inside: set[str] = set()
    for part in _BRACKETS.findall(name):
        for form in latin_forms(part):
            inside.update(form.split())
    outside: set[str] = set()
    for form in latin_forms(_BRACKETS.sub(" ", name)):
        outside.update(form.split())
    return inside - outside


def name_variants(name: str) -> list[str]:
    """A name and, when it lists alternatives ("Al-Qa'ida/Islamic Army"), each of them."""
    out = [name]
    if "/" in name:
        parts = [p for p in _ALTERNATIVES.split(name) if p.strip()]
        if len(parts) > 1 and all(len(p.strip()) >= 4 for p in parts):
            out.extend(parts)
    return out


def _with_alternatives(names: Iterable[tuple[str, bool]], kind: str
                       ) -> list[tuple[str, bool, str]]:
    """(name, weak, original) of every name with its alternatives ("A/B"), then, for an
    organisation, the other names each holds (`watchlist.names.orgs.alternative_names`;
    an acronym keeps the name it is made of as its original): after all the names, so that
    a name a list gives in full is never taken for a weak acronym."""
    given = [(n, weak) for n, weak in names if n]
    out = [(v, weak, v) for full, weak in given for v in name_variants(full)]
    if kind in (ORG, ANY):
        out += [(alt, weak or acronym, full if acronym else alt) for full, weak in given
                for alt, acronym in alternative_names(full)]
    return out


def prepare_names(names: Iterable[tuple[str, bool]], kind: str,
                  stats: TokenStats = DEFAULT_STATS) -> list[NameForm]:
    """Every Latin form of every (name, weak) as a NameForm, without duplicates.

    A name that is nothing but a legal form or a title ("LTD", "Dr") gives no form.
    """
    seen: set[tuple[str, ...]] = set()
    out: list[NameForm] = []
    for name, weak, original in _with_alternatives(names, kind):
        script = "Latin" if name.isascii() else main_script(name)
        bracketed = _bracketed(name)
        for form in sorted(latin_forms(name)):
            tokens, legal = form_tokens(form, kind, script == "Latin")
            key = tuple(tokens)
            if not tokens or key in seen:
                continue
            seen.add(key)
            weights = tuple(token_weight(t, kind, stats) for t in tokens)
            minor = tuple(i for i, t in enumerate(tokens) if t in bracketed)
            out.append(NameForm(key, weights, tuple(legal), original, weak, script, minor))
    return out


def _dates(values: Iterable[str]) -> tuple[str, ...]:
    out = set()
    for value in values:
        value = str(value).strip()
        if len(value) >= 4 and value[:4].isdigit():
            out.add(value[:10])
    return tuple(sorted(out))


@dataclass
class Party:
    """One side of a comparison: a list entry or a query."""

    schema: str | None
    names: list[tuple[str, bool]]
    dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    identifiers: dict[str, frozenset[str]] = field(default_factory=dict)
    gender: str | None = None
    id: str | None = None
    caption: str | None = None
    #: The main names (the entity's `name` values, before its aliases); None: all of them.
    primary: frozenset[str] | None = None
    _forms: dict[tuple[str, str], list[NameForm]] = field(default_factory=dict, repr=False)

    def primary_forms(self, kind: str, stats: TokenStats = DEFAULT_STATS) -> list[NameForm]:
        """The forms of the main names only (aliases left out)."""
        forms = self.forms(kind, stats)
        if self.primary is None:
            return forms
        return [f for f in forms if f.original in self.primary] or forms

    @property
    def kind(self) -> str:
        return kind_of(self.schema)

    def forms(self, kind: str, stats: TokenStats = DEFAULT_STATS) -> list[NameForm]:
        """The name forms of this party prepared as names of `kind` (cached)."""
        key = (kind, stats.key)
        found = self._forms.get(key)
        if found is None:
            found = prepare_names(self.names, kind, stats)
            self._forms[key] = found
        return found

    @property
    def identifier_values(self) -> frozenset[str]:
        return frozenset(v for values in self.identifiers.values() for v in values)

    @classmethod
    def from_entity(cls, entity: EntityProxy) -> Party:
        """A party from a FollowTheMoney entity (any schema with names)."""
        names: list[tuple[str, bool]] = []
        for prop, weak in NAME_PROPS.items():
            for value in entity.get(prop, quiet=True):
                names.append((value, weak))
        if not names:
            parts = [entity.first(p, quiet=True) for p in
                     ("firstName", "middleName", "fatherName", "lastName")]
            joined = " ".join(p for p in parts if p)
            if joined:
                names.append((joined, False))
        countries = frozenset(
            c.lower() for p in COUNTRY_PROPS for c in entity.get(p, quiet=True) if c
        )
        identifiers: dict[str, frozenset[str]] = {}
        for prop in IDENTIFIER_PROPS:
            values = {normalize_identifier(v) for v in entity.get(prop, quiet=True)}
            values = {v for v in values if len(v) >= MIN_IDENTIFIER}
            if values:
                identifiers[prop] = frozenset(values)
        dates = _dates(entity.get("birthDate", quiet=True)
                       or entity.get("incorporationDate", quiet=True)
                       or entity.get("buildDate", quiet=True))
        main = entity.get("name", quiet=True)
        return cls(schema=entity.schema.name, names=names, dates=dates,
                   countries=countries, identifiers=identifiers,
                   gender=entity.first("gender", quiet=True), id=entity.id,
                   caption=entity.caption,
                   primary=frozenset(v for n in main for v in name_variants(n)) or None)

    @classmethod
    def from_query(cls, name: str | Iterable[str] | None, schema: str | None = None,
                   birth_date: str | Iterable[str] | None = None,
                   country: str | Iterable[str] | None = None,
                   identifier: str | Iterable[str] | None = None,
                   id: Any = None) -> Party:
        """A party from the fields of a screening query (already validated)."""
        names = [name] if isinstance(name, str) else list(name or [])
        dates = [birth_date] if isinstance(birth_date, str) else list(birth_date or [])
        countries = [country] if isinstance(country, str) else list(country or [])
        idents = [identifier] if isinstance(identifier, str) else list(identifier or [])
        values = {normalize_identifier(str(v)) for v in idents if v}
        values = {v for v in values if len(v) >= MIN_IDENTIFIER}
        return cls(
            schema=schema, names=[(str(n), False) for n in names if n and str(n).strip()],
            dates=_dates(dates), countries=frozenset(c.lower() for c in countries if c),
            identifiers={"identifier": frozenset(values)} if values else {},
            id=None if id is None else str(id),
        )
