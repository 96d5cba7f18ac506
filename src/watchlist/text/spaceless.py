"""Names in scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
Khmer, Burmese): running text in these scripts has no word boundaries to look names up
by, so the names the lists give in them are found as substrings.

A listed name enters as its letters in such a script with the separators taken out
("阿不都·哈克" as "阿不都哈克"), also without a part in brackets ("華信船務(香港)有限公司" as
"華信船務有限公司") and without a closing legal form ("華信船務"), each in simplified Chinese
characters, so that a name listed in traditional characters is found in simplified text and
back. Names shorter than three letters are left out: two characters are too often a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

__all__ = ["MIN_LETTERS", "find_names", "is_spaceless", "name_keys", "simplified"]

#: Shortest name (in letters) looked for.
MIN_LETTERS = 3

_SPACELESS = (
    "\u0e00-\u0e7f"    # Thai
    "\u0e80-\u0eff"    # Lao
    "\u1000-\u109f"    # Myanmar
    "\u1780-\u17ff"    # Khmer
    "\u3040-\u30ff"    # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\U00020000-\U0002fa1f"
)
_LETTER = re.compile(f"[{_SPACELESS}]")
_JOINERS = frozenset("·・•‧()[]（）【】「」『』 \u3000")
_CLOSING = frozenset(")]）】」』")
_BREAK = "\x00"
_BRACKETED = re.compile(r"[(\[（【「『][^)\]）】」』]*[)\]）】」』]")
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "株式会社", "有限会社",
                "合资公司", "公司", "会社", "集团")


def is_spaceless(text: str) -> bool:
    """Whether text has letters of a script written without spaces."""
    return _LETTER.search(text) is not None


@lru_cache(maxsize=1)
def _han_simplifier() -> object | None:
    try:
        import icu

        return icu.Transliterator.createInstance("Hant-Hans")
    except Exception:  # noqa: BLE001 - without ICU, traditional and simplified stay apart
        return None


def simplified(text: str) -> str:
    """Text with traditional Chinese characters made simplified, when that keeps its
    length (so offsets stay right); else the text as it is."""
    if not any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text):
        return text
    simplifier = _han_simplifier()
    if simplifier is None:
        return text
    converted = simplifier.transliterate(text)  # type: ignore[attr-defined]
    return converted if len(converted) == len(text) else text


def _letters(text: str) -> str:
    return "".join(_LETTER.findall(text))


def name_keys(original: str) -> set[str]:
    """The keys a listed name written in such a script is found by (see the module
    docstring); empty for a name in other scripts."""
    keys: set[str] = set()
    for variant in (original, _BRACKETED.sub("", original)):
        letters = simplified(_letters(variant))
        if len(letters) < MIN_LETTERS:
            continue
        keys.add(letters)
        for form in _LEGAL_FORMS:
            if letters.endswith(form) and len(letters) - len(form) >= MIN_LETTERS + 1:
                keys.add(letters[: -len(form)])
                break
    return keys


def _letters_only(text: str) -> tuple[str, list[int]]:
    """The letters of such scripts in text, with a break where anything but a separator
    of name parts (brackets, a middle dot, a space) stood, and where each letter was."""
    letters: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        if _LETTER.match(char):
            letters.append(char)
            where.append(i)
        elif char not in _JOINERS and letters and letters[-1] != _BREAK:
            letters.append(_BREAK)
            where.append(i)
    return "".join(letters), where


def find_names(text: str, keys: Mapping[str, object], lengths: Iterable[int]
               ) -> list[tuple[int, int, str]]:
    """(start, end, key) of the longest key at each place in text, left to right, not
    overlapping; start and end are offsets into text, and a name may run across the
    brackets and dots written inside it ("華信船務(香港)有限公司")."""
    wanted = set(lengths)
    sizes_from: dict[str, list[int]] = {}  # the lengths of the keys beginning with a letter
    for key in keys:
        if len(key) in wanted:
            sizes_from.setdefault(key[0], []).append(len(key))
    for sizes in sizes_from.values():
        sizes.sort(reverse=True)
    letters, where = _letters_only(text)
    folded = simplified(letters)
    found: list[tuple[int, int, str]] = []
    i, n = 0, len(folded)
    while i <= n - MIN_LETTERS:
        for size in sizes_from.get(folded[i], ()):
            if i + size <= n and folded[i:i + size] in keys:
                end = where[i + size - 1] + 1
                if text[end:end + 1] in _CLOSING:  # "(香港)": the bracket closes the name
                    end += 1
                found.append((where[i], end, folded[i:i + size]))
                i += size
                break
        else:
            i += 1
    return found
