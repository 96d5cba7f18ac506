"""Person name parts (given, family, patronymic, initials) and order-independent name keys.

Which token is the family name is only knowable from a signal, used in this order:
structured fields (first/last from the list), a comma ("LUKASHENKA, Aliaksandr": family
first), upper-case tokens in a mixed-case name ("Vladimir PUTIN", "ПУТИН владимир"), an
East Slavic patronymic ("Putin Vladimir Vladimirovich" is family-given-patronymic,
"Vladimir Vladimirovich Putin" given-patronymic-family). Turkic ("Heydar oglu") and Arabic
("bin Muhammad") patronymics are recognised by their marker word, so "Salman bin Muhammad"
and "Muhammad bin Salman" differ in their parts though not in their key. Without a signal,
the last token (with its particles: "bin Laden", "van der Berg") is taken as the family
name; that guess is wrong for Chinese, Korean or Hungarian order, which is why matching
should rely on `name_key` (sorted tokens) and use the parts only as a bonus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from watchlist.names.normalize import name_tokens
from watchlist.names.orgs import legal_form_spans
from watchlist.names.scripts import latin_forms
from watchlist.names.titles import split_titles

__all__ = [
    "PATRONYMIC_SUFFIXES",
    "PersonName",
    "is_patronymic",
    "name_key",
    "name_keys",
    "person_parts",
]

NameKind = Literal["person", "org", "any"]

#: Endings of East Slavic patronymics as normalised Latin: Russian -ovich/-evna, Ukrainian
#: -ovych/-ivna, Belarusian -avich/-auna, and the French, German, Swedish, Hungarian and
#: Romanian spellings of the Russian ones (-ovitch, -owitsch, -ovitj, -ovics, -ovici).
#: Serbo-Croat -ović (ASCII -ovic) and Polish -owicz are left out: there they are surnames.
PATRONYMIC_SUFFIXES = (
    "ovich", "evich", "ovych", "evych", "avich", "ovitch", "evitch", "owitsch", "ewitsch",
    "owitsj", "ewitsj", "ovitj", "evitj", "ovics", "evics", "ovici", "evici", "ovna", "evna",
    "ivna", "avna", "auna", "euna", "ichna", "ovitx",
)  # fmt: skip

#: Patronymics with the bare -ich ending (too common in surnames to match as a suffix).
PATRONYMIC_WORDS = frozenset(
    "ilyich ilich ilitch illich kuzmich lukich fomich nikitich savvich ilinichna".split()
)

#: Turkic patronymic markers written as a word after the father's name ("Heydar oglu").
PATRONYMIC_MARKERS = frozenset("oglu ogly ogli oglou uly uli kyzy kizi qizi gizi".split())

#: Arabic and Malay "son/daughter of" words; with the next token they form a patronymic
#: ("Salman bin Muhammad al-Rawi"). "bn" is how ICU writes Arabic بن.
NASAB_MARKERS = frozenset("bin ibn bint binti ben bn".split())

#: Particles that belong to the family name that follows them.
FAMILY_PARTICLES = frozenset(
    "van von de da di del della der den ter ten le la du dos das do al el bin ibn bint ben "
    "abu ul st".split()
)

#: Generational suffixes written after a name.
NAME_SUFFIXES = frozenset("jr jnr junior sr snr senior ii iii iv".split())


@dataclass(frozen=True)
class PersonName:
    """The normalised parts of a person's name; tokens are ASCII lower-case."""

    given: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    patronymic: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        """All name tokens (no titles or suffixes): given, patronymic, initials, family."""
        return self.given + self.patronymic + self.initials + self.family

    @property
    def key(self) -> str:
        """Order-independent key: the sorted tokens."""
        return " ".join(sorted(self.tokens))

    @property
    def all_initials(self) -> tuple[str, ...]:
        """Initials of the given names and patronymics, plus the explicit initials."""
        return tuple(t[0] for t in self.given + self.patronymic) + self.initials


def is_patronymic(token: str) -> bool:
    """True when a normalised token looks like an East Slavic or Turkic patronymic."""
    if token in PATRONYMIC_WORDS:
        return True
    return any(token.endswith(s) and len(token) >= len(s) + 2 for s in PATRONYMIC_SUFFIXES)


@dataclass
class _Token:
    """A normalised token with what its original spelling tells about it."""

    text: str
    upper: bool


def _segment_tokens(segment: str) -> list[_Token]:
    """Normalised tokens of one comma segment, flagged when written in capitals."""
    out = []
    for chunk in segment.split():
        upper = chunk.isupper() and sum(c.isalpha() for c in chunk) >= 2
        out.extend(_Token(text, upper) for text in name_tokens(chunk))
    return out


def _split_patronymics(tokens: list[str]) -> tuple[list[str], list[str]]:
    """(given, patronymic) of name tokens known not to hold the family name."""
    given, patronymic = [], []
    for i, token in enumerate(tokens):
        (patronymic if i > 0 and is_patronymic(token) else given).append(token)
    return given, patronymic


def _marked_patronymics(tokens: list[str], end: int | None = None) -> tuple[list[str], list[str]]:
    """(other tokens, patronymics) with "Heydar oglu" and "bin Muhammad" taken out.

    Only markers before `end` (where the family name starts) count: in "Osama bin Laden"
    the "bin" belongs to the family name.
    """
    end = len(tokens) if end is None else end
    rest: list[str] = []
    patronymic: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in PATRONYMIC_MARKERS and len(rest) > 1 and i < end:
            patronymic += [rest.pop(), token]
        elif token in NASAB_MARKERS and rest and i + 1 < end:
            patronymic += [token, tokens[i + 1]]
            i += 1
        else:
            rest.append(token)
        i += 1
    return rest, patronymic


def _family_start(tokens: list[str]) -> int:
    """Index where the family name starts: the last token and the particles before it."""
    if len(tokens) < 2:
        return len(tokens)
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1] in FAMILY_PARTICLES:
        start -= 1
    return start


def _positional(tokens: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(given, patronymic, family) of tokens with no comma or capitals to go by."""
    n = len(tokens)
    marks = [i > 0 and is_patronymic(t) for i, t in enumerate(tokens)]
    if n >= 3 and marks[-1] and not marks[-2]:  # Putin Vladimir Vladimirovich
        return tokens[1:-1], tokens[-1:], tokens[:1]
    middle = [i for i in range(1, n - 1) if marks[i]]
    if n >= 3 and middle:  # Vladimir Vladimirovich Putin
        cut = middle[-1] + 1
        given, patronymic = _split_patronymics(tokens[:cut])
        return given, patronymic, tokens[cut:]
    if n <= 1:
        return tokens, [], []
    start = _family_start(tokens)
    return tokens[:start], [], tokens[start:]


def _strip_suffixes(tokens: list[_Token]) -> tuple[list[_Token], list[str]]:
    """Tokens without trailing generational suffixes (Jr, III), and the suffixes."""
    suffixes: list[str] = []
    while len(tokens) > 1 and tokens[-1].text in NAME_SUFFIXES:
        suffixes.insert(0, tokens[-1].text)
        tokens = tokens[:-1]
    return tokens, suffixes


def _parse_name(name: str) -> PersonName:
    """Parts of a full name written in one string."""
    segments = [s for s in (_segment_tokens(seg) for seg in name.split(",")) if s]
    titles: list[str] = []
    cleaned: list[list[_Token]] = []
    for segment in segments:
        kept, removed = split_titles([t.text for t in segment])
        titles += removed
        cleaned.append(segment[len(removed) :])
    suffixes: list[str] = []
    if cleaned:
        cleaned[-1], suffixes = _strip_suffixes(cleaned[-1])
    if len(cleaned) > 1 and all(len(s) == 1 and s[0].text in NAME_SUFFIXES for s in cleaned[1:]):
        suffixes += [s[0].text for s in cleaned[1:]]  # "Smith John, Jr"
        cleaned = cleaned[:1]
    initials = [t.text for s in cleaned for t in s if len(t.text) == 1 and t.text.isalpha()]
    cleaned = [[t for t in s if not (len(t.text) == 1 and t.text.isalpha())] for s in cleaned]
    cleaned = [s for s in cleaned if s]
    flat = [t for s in cleaned for t in s]
    texts = [t.text for t in flat]
    mixed_case = any(t.upper for t in flat) and not all(t.upper for t in flat)
    if len(cleaned) > 1:  # LUKASHENKA, Aliaksandr Ryhoravich
        family = [t.text for t in cleaned[0]]
        rest, marked = _marked_patronymics([t.text for s in cleaned[1:] for t in s])
        given, patronymic = _split_patronymics(rest)
    elif mixed_case:  # Vladimir PUTIN, ПУТИН владимир владимирович
        family = [t.text for t in flat if t.upper]
        rest, marked = _marked_patronymics([t.text for t in flat if not t.upper])
        given, patronymic = _split_patronymics(rest)
    elif initials and len(texts) == 1:  # V. V. Putin, Putin V.V.
        given, patronymic, family, marked = [], [], texts, []
    else:
        rest, marked = _marked_patronymics(texts, _family_start(texts))
        given, patronymic, family = _positional(rest)
    patronymic += marked
    return PersonName(
        given=tuple(given),
        family=tuple(family),
        patronymic=tuple(patronymic),
        initials=tuple(initials),
        titles=tuple(titles),
        suffixes=tuple(suffixes),
    )


def _parse_fields(
    first: str | None, middle: str | None, last: str | None, patronymic: str | None
) -> PersonName:
    """Parts of a name the list gives as separate fields."""
    given_tokens, titles = split_titles(name_tokens(first or ""))
    given_tokens += name_tokens(middle or "")
    initials = [t for t in given_tokens if len(t) == 1 and t.isalpha()]
    given_tokens = [t for t in given_tokens if not (len(t) == 1 and t.isalpha())]
    if patronymic is None:
        given, patronymics = _split_patronymics(given_tokens)
    else:
        given, patronymics = given_tokens, name_tokens(patronymic)
    family_tokens = [_Token(t, False) for t in name_tokens(last or "")]
    family_tokens, suffixes = _strip_suffixes(family_tokens)
    return PersonName(
        given=tuple(given),
        family=tuple(t.text for t in family_tokens),
        patronymic=tuple(patronymics),
        initials=tuple(initials),
        titles=tuple(titles),
        suffixes=tuple(suffixes),
    )


def person_parts(
    name: str = "",
    first: str | None = None,
    last: str | None = None,
    middle: str | None = None,
    patronymic: str | None = None,
) -> PersonName:
    """The parts of a person's name, from structured fields when given, else from `name`."""
    if first or last or middle or patronymic:
        return _parse_fields(first, middle, last, patronymic)
    return _parse_name(name)


def name_key(name: str, kind: NameKind = "any") -> str:
    """Order-independent key: sorted normalised tokens without titles and legal forms.

    kind="person" drops all titles (President, General, ...) but no legal forms ("Ao" and
    "Sa" are also surnames); kind="org" drops legal forms only; kind="any" drops legal forms
    and the unambiguous honorifics (Mr, Dr, Sheikh, ...). An organisation name that is only
    a legal form ("LTD") has the empty key, which must never be matched.
    """
    tokens: list[str] = []
    for segment in name.split(","):
        segment_tokens = name_tokens(segment)
        if kind != "org":
            segment_tokens = split_titles(segment_tokens, person=(kind == "person"))[0]
        tokens += segment_tokens
    if kind != "person":
        removed = {i for start, end, _ in legal_form_spans(tokens) for i in range(start, end)}
        tokens = [t for i, t in enumerate(tokens) if i not in removed]
    return " ".join(sorted(tokens))


def name_keys(name: str, kind: NameKind = "any") -> set[str]:
    """The `name_key` of every Latin form of a name (all its transliterations)."""
    keys = {name_key(name, kind)}
    keys |= {name_key(form, kind) for form in latin_forms(name)}
    return keys - {""}
