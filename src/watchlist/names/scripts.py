"""Which scripts a name is written in, and every Latin form it is commonly spelled with.

`latin_forms("Лукашэнка Аляксандр")` gives {"lukashenka alyaksandr" (rigour),
"lukashenka aliaksandr" (Belarusian passport), "lukasenka alaksandr" (ICU Any-Latin), ...}:
each one normalised like `normalize_text`, so they can be indexed and compared directly.
"""

from __future__ import annotations

from collections import Counter

from watchlist.names.normalize import clean_ascii, normalize_text, prepare
from watchlist.names.translit import variant_renderings, word_scripts

__all__ = ["detect_scripts", "is_latin", "latin_forms", "main_script"]


def detect_scripts(text: str) -> set[str]:
    """The Unicode scripts of the letters and digits in text ("Latin", "Cyrillic", "Han", ...)."""
    if text.isascii():
        return {"Latin"} if any(c.isalpha() for c in text) else set()
    found: set[str] = set()
    for word in prepare(text):
        found |= word_scripts(word)
    return found


def is_latin(text: str) -> bool:
    """True when text has no letters outside the Latin script."""
    return text.isascii() or detect_scripts(text) <= {"Latin"}


def main_script(text: str) -> str | None:
    """The script most of the letters of text are written in, None if it has no letters."""
    if text.isascii():
        return "Latin" if any(c.isalpha() for c in text) else None
    counts: Counter[str] = Counter()
    for word in prepare(text):
        scripts = word_scripts(word)
        if len(scripts) == 1:
            counts[next(iter(scripts))] += len(word)
        else:
            for char in word:
                for script in word_scripts(char):
                    counts[script] += 1
    return counts.most_common(1)[0][0] if counts else None


def latin_forms(text: str) -> set[str]:
    """The normalised ASCII Latin renderings of a name under the usual conventions."""
    canonical = normalize_text(text)
    forms = {canonical} if canonical else set()
    if text.isascii():
        return forms
    try:
        variants = variant_renderings(prepare(text))
    except Exception:  # a variant is a bonus; the canonical form is already there
        return forms
    for variant in variants:
        form = clean_ascii(variant)
        if form:
            forms.add(form)
    return forms
