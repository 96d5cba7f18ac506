"""The dictionary forms a word of running text may stand for, as normalised Latin tokens.

Names in prose are inflected: Russian, Belarusian and Ukrainian decline them ("Путина",
"Лукашенко" but Ukrainian "Лукашенка", "Ермошиной", "Александру Лукашенко"), Polish and
Czech too ("Putina", "Putinem"), German adds a genitive -s ("Putins"). `word_forms` gives
the word's own Latin renderings, then the renderings of each nominative it may be an
inflection of (an ending taken off, a nominative ending put on); the caller keeps those its
dictionary knows. Each candidate carries a grade: EXACT (the word as written), INFLECTED
(a case ending off), or FEMININE (the word may be the nominative of a woman's surname,
"Колесникова" or "Ivanova", as well as a case of the man's: only a name given in full
may be read that way).
"""

from __future__ import annotations

import re
from functools import lru_cache

from watchlist.names.normalize import clean_ascii, normalize_text
from watchlist.names.scripts import latin_forms

__all__ = ["EXACT", "FEMININE", "INFLECTED", "own_token", "word_forms"]

EXACT, INFLECTED, FEMININE = 0, 1, 2

#: Case endings of East Slavic nouns and names (Russian, Belarusian, Ukrainian), longest
#: first, and the nominative endings a stem may take back.
_CYRILLIC_ENDINGS = (
    "ого", "его", "ому", "ему", "ыми", "ими", "ами", "ями", "ові", "еві", "єві", "ага",
    "аму", "ай", "ой", "ей", "ом", "ем", "ым", "им", "ых", "их", "ую", "юю", "ою", "ею",
    "ам", "ям", "аў", "оў", "а", "я", "у", "ю", "е", "и", "ы", "і", "ї",
)
#: Nominative endings put back on a stem, as they are written in Latin (the stem is
#: transliterated once, the ending appended: "Лид|ии" -> "lidi" + "ya", "lidi" + "a").
_NOMINATIVE_LATIN = ("", "a", "ya", "o", "y", "i", "iy", "yy", "iya", "ia", "aya", "ka")
#: Endings of a woman's surname in the nominative, which look like a genitive.
_FEMININE_CYRILLIC = ("ова", "ева", "ёва", "ина", "ына", "ая", "яя", "ава", "іна", "ына")

#: Case endings of names in Latin-script Slavic languages and the German genitive.
_LATIN_ENDINGS = ("owi", "ovi", "ego", "emu", "em", "om", "a", "u", "e", "y", "s")
_LATIN_NOMINATIVE = ("", "a", "o")
_FEMININE_LATIN = ("ova", "eva", "ina", "yna", "aya", "skaya", "ska", "cka")

_MIN_STEM = 3


_Y_AFTER_VOWEL = re.compile(r"(?<=[aeiou])y(?![aeiou])")
_YE_AFTER_VOWEL = re.compile(r"(?<=[aeiou])ye")


def _stem_spellings(stem: str) -> set[str]:
    """A transliterated (BGN/PCGN) Cyrillic word or stem and its passport spellings: й as i
    ("Sheyman" ~ "Sheiman"), я and ю as ia and iu ("Aliaksandr"), an initial Е, or an е after
    a vowel, as e ("Yermoshin" ~ "Ermoshin", "Karayev" ~ "Karaev"). Cheap string rewrites,
    where ICU's full set of conventions costs a hundred times more per word."""
    stem = stem.replace(" ", "")
    out = {stem, _Y_AFTER_VOWEL.sub("i", stem)}
    if "ya" in stem or "yu" in stem:
        out |= {s.replace("ya", "ia").replace("yu", "iu") for s in out}
    if stem.startswith("ye"):
        out |= {s[1:] for s in out}
    if "ye" in stem:  # е after a vowel as passports write it: "Karayev" ~ "Karaev"
        out |= {_YE_AFTER_VOWEL.sub("e", s) for s in out}
    return out


def _cyrillic(word: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in word)


@lru_cache(maxsize=1 << 17)
def word_forms(word: str) -> tuple[tuple[str, int], ...]:
    """(normalised Latin token, grade) for a word and the nominatives it may inflect, the
    word's own renderings first, best grade kept for each token."""
    out: dict[str, int] = {}

    def add(forms: set[str] | list[str], grade: int) -> None:
        # a set in sorted order: the forms' order must not depend on PYTHONHASHSEED
        for form in sorted(forms) if isinstance(forms, set) else forms:
            if form and " " not in form and grade < out.get(form, 99):
                out[form] = grade

    lowered = word.casefold()
    cyrillic = _cyrillic(lowered)
    if word.isascii():
        add([clean_ascii(word).replace(" ", "")], EXACT)
    elif cyrillic:
        add([normalize_text(word).replace(" ", "")], EXACT)
        add(_stem_spellings(normalize_text(word)), EXACT)
    else:
        add(latin_forms(word), EXACT)
        if not out:
            add([normalize_text(word).replace(" ", "")], EXACT)
    if cyrillic:
        feminine = lowered.endswith(_FEMININE_CYRILLIC)
        own = set(out)
        grade = FEMININE if feminine else INFLECTED
        for ending in _CYRILLIC_ENDINGS:
            if lowered.endswith(ending) and len(lowered) - len(ending) >= _MIN_STEM:
                stem = normalize_text(lowered[: -len(ending)])
                for base in sorted(_stem_spellings(stem)):
                    add([base + nominative for nominative in _NOMINATIVE_LATIN
                         if base + nominative not in own], grade)
    elif lowered.isascii() and lowered.isalpha():
        feminine = lowered.endswith(_FEMININE_LATIN)
        for ending in _LATIN_ENDINGS:
            if lowered.endswith(ending) and len(lowered) - len(ending) >= _MIN_STEM:
                stem = lowered[: -len(ending)]
                for nominative in _LATIN_NOMINATIVE:
                    candidate = stem + nominative
                    if candidate != lowered:
                        add([candidate], FEMININE if feminine else INFLECTED)
    return tuple(sorted(out.items(), key=lambda item: item[1]))


def own_token(word: str) -> str:
    """The word's own normalised Latin token, as written ("" for a word with none): how a
    word is compared with the scanner's word lists (titles, cues, places)."""
    forms = word_forms(word)
    return forms[0][0] if forms else ""
