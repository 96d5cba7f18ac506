"""Text normalisation for names: one ASCII, lower-case, single-spaced form per string.

`normalize_text` runs NFKC, casefold, apostrophe removal (O'Brien -> obrien, the soft sign's
ʹ too), transliteration of any script to ASCII Latin (see `translit.to_ascii`), and then
turns every other non-alphanumeric character into a token break. The output alphabet is
[a-z0-9 ] with single spaces and no leading/trailing space, so the function is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from watchlist.names.translit import cyrillic_language, to_ascii

__all__ = ["APOSTROPHES", "clean_ascii", "name_tokens", "normalize_text", "prepare"]

#: Characters deleted rather than turned into a break: apostrophes, primes, ayin/hamza
#: modifier letters (ʿ ʾ), soft/hard sign primes (ʹ ʺ), and invisible joiners.
APOSTROPHES = "'`´‘’‛ʹʺʻʼʽʾʿˈ′″\u00ad\u200b\u200c\u200d\u2060\ufeff"

_DELETE = str.maketrans("", "", APOSTROPHES)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def clean_ascii(text: str) -> str:
    """Lower-case ASCII text, drop apostrophes, and reduce everything else to single spaces."""
    text = text.lower().replace("'", "").replace("`", "")
    return _NON_ALNUM.sub(" ", text).strip()


def _safe(text: str) -> str:
    """Text with unpaired surrogates replaced, so native libraries accept it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def prepare(text: str) -> list[str]:
    """NFKC, casefold, drop apostrophes and split on whitespace: the words to transliterate."""
    text = unicodedata.normalize("NFKC", _safe(text)).casefold()
    return text.translate(_DELETE).split()


def _fallback(text: str) -> str:
    """Last-resort normalisation with the standard library only (never raises)."""
    decomposed = unicodedata.normalize("NFKD", _safe(text)).translate(_DELETE)
    return clean_ascii(decomposed.encode("ascii", "ignore").decode("ascii"))


@lru_cache(maxsize=1 << 16)
def normalize_text(text: str) -> str:
    """Normalise any text to ASCII lower-case tokens separated by single spaces."""
    if not text:
        return ""
    if text.isascii():
        return clean_ascii(text)
    try:
        words = prepare(text)
        language = cyrillic_language(text.casefold())
        return clean_ascii(" ".join(to_ascii(word, language) for word in words))
    except Exception:  # a transliterator choking on odd input must not stop screening
        return _fallback(text)


def name_tokens(text: str) -> list[str]:
    """The normalised tokens of a name, in order."""
    return normalize_text(text).split()
